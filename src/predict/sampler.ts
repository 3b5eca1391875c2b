import { OrbisError } from '../core/index.js';
import type { DigitHead } from './digits.js';

/**
 * Drawing tokens from the world model's factorized output: six independent digit distributions (levels
 * [8, 8, 8, 5, 5, 5]), each sampled with temperature, top-k and top-p, then assembled into the tokenizer's FSQ
 * index (sum of digit x basis, basis [1, 8, 64, 512, 2560, 12800]). Coupled models' digits depend on the
 * digits before them (digits.ts); drawToken takes their head.
 */
export interface SamplingOptions {
  /** 0 takes the most likely digit (greedy); default 1. */
  temperature?: number;
  /** Keep only the k most likely values of each digit; 0 (default) keeps all. */
  topK?: number;
  /** Keep the most likely values whose probabilities add up to p; 1 (default) keeps all. */
  topP?: number;
}

export function checkSampling(options: SamplingOptions): Required<SamplingOptions> {
  const { temperature = 1, topK = 0, topP = 1 } = options;
  const fail = (message: string, hint: string): never => {
    throw new OrbisError('INVALID_ARGUMENT', message, { hint });
  };
  if (!(Number.isFinite(temperature) && temperature >= 0))
    fail(`temperature must be 0 or more, not ${temperature}`, 'use --temperature 0 (greedy) to 2');
  if (!(Number.isInteger(topK) && topK >= 0))
    fail(`top-k must be a whole number, 0 or more, not ${topK}`, 'use --top-k 0 to keep every value');
  if (!(topP > 0 && topP <= 1))
    fail(`top-p must be in (0, 1], not ${topP}`, 'use --top-p 1 to keep every value');
  return { temperature, topK, topP };
}

/** A seeded stream of uniform numbers in [0, 1) (Mulberry32); one per future, so futures don't share draws. */
export function seededRandom(seed: number, stream = 0): () => number {
  let state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The values a digit can take under these options, most likely first, and their unnormalised weights: the
 * top-k cut, then the nucleus (the shortest prefix whose probability reaches top-p). Greedy keeps the argmax.
 */
function candidates(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  options: Required<SamplingOptions>,
): { values: number[]; weights: number[] } {
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => logits[offset + b]! - logits[offset + a]! || a - b,
  );
  if (options.temperature === 0) return { values: [order[0]!], weights: [1] };
  const kept = options.topK > 0 ? order.slice(0, options.topK) : order;
  const top = logits[offset + kept[0]!]!;
  const weights = kept.map((i) => Math.exp((logits[offset + i]! - top) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let count = 0;
  for (let mass = 0; count < kept.length && mass < options.topP * total * (1 - 1e-9); count++)
    mass += weights[count]!;
  const keep = Math.max(1, count);
  return { values: kept.slice(0, keep), weights: weights.slice(0, keep) };
}

/** One value of a digit from its logits (`logits[offset .. offset + n)`). */
export function sampleDigit(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  options: Required<SamplingOptions>,
  random: () => number,
): number {
  const { values, weights } = candidates(logits, offset, n, options);
  if (options.temperature === 0) return values[0]!; // greedy draws nothing from the stream
  let u = random() * weights.reduce((a, b) => a + b, 0);
  for (let j = 0; j < weights.length; j++) {
    u -= weights[j]!;
    if (u < 0) return values[j]!;
  }
  return values[weights.length - 1]!;
}

/** The place value of each digit: [1, 8, 64, 512, 2560, 12800] for levels [8, 8, 8, 5, 5, 5]. */
export function digitBasis(levels: readonly number[]): number[] {
  let place = 1;
  return levels.map((l) => {
    const b = place;
    place *= l;
    return b;
  });
}

/** Digits -> the tokenizer's FSQ token index. */
export const tokenOf = (digits: readonly number[], basis: readonly number[]): number =>
  digits.reduce((sum, d, i) => sum + d * basis[i]!, 0);

/** One token per row of `logits` ([batch, sum(levels)]), each row drawn from its own random stream. */
export function sampleTokens(
  logits: Float32Array,
  levels: readonly number[],
  options: Required<SamplingOptions>,
  randoms: readonly (() => number)[],
): number[] {
  const width = levels.reduce((a, b) => a + b, 0);
  const basis = digitBasis(levels);
  return randoms.map((random, b) => {
    let offset = b * width;
    const digits = levels.map((n) => {
      const d = sampleDigit(logits, offset, n, options, random);
      offset += n;
      return d;
    });
    return tokenOf(digits, basis);
  });
}

/**
 * The probability that `sampleDigit` draws `value` from these logits: the same temperature, top-k and top-p
 * (greedy: 1 for the most likely value, else 0).
 */
export function digitProbability(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  options: Required<SamplingOptions>,
  value: number,
): number {
  const { values, weights } = candidates(logits, offset, n, options);
  const at = values.indexOf(value);
  return at < 0 ? 0 : weights[at]! / weights.reduce((a, b) => a + b, 0);
}

/**
 * The uniform number that decides digit `digit` of position `position` in future `stream` of a seeded
 * prediction: a hash, so every position has its own number whatever order positions are drawn in. A token is
 * then a function of its logits and its position (`drawToken`), which is what lets speculative decoding check
 * a draft by equality and keep futures token for token those of one-token-a-step decoding.
 */
export function positionUniform(seed: number, stream: number, position: number, digit: number): number {
  let h = mix(Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x243f6a88);
  h = mix(h ^ Math.imul(stream + 1, 0x85ebca6b));
  h = mix(h ^ Math.imul(position + 1, 0xc2b2ae35));
  h = mix(h ^ Math.imul(digit + 1, 0x27d4eb2f));
  return h / 4294967296;
}

/** MurmurHash3's 32-bit finalizer: every input bit flips about half the output bits. */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The token at `position` of future `stream` from one row of logits ([sum(levels)] from `offset`): each digit
 * drawn by `sampleDigit` with that position's own uniform numbers. With a `head` the row is that head's
 * (digits.ts), and each digit's logits come from it given the digits drawn before. Since positionUniform is independent of
 * everything the model sees, the token is distributed exactly as the sampler says.
 */
export function drawToken(
  logits: ArrayLike<number>,
  offset: number,
  levels: readonly number[],
  options: Required<SamplingOptions>,
  seed: number,
  stream: number,
  position: number,
  head?: DigitHead,
): number {
  let token = 0;
  let place = 1;
  let at = offset;
  const prefix: number[] = [];
  levels.forEach((n, i) => {
    const random = () => positionUniform(seed, stream, position, i);
    const d = head
      ? sampleDigit(head.logits(logits as Float32Array, offset, i, prefix), 0, n, options, random)
      : sampleDigit(logits, at, n, options, random);
    prefix.push(d);
    token += d * place;
    place *= n;
    at += n;
  });
  return token;
}
