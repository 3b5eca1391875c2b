import { OrbisError } from '../core/index.js';
import type { DigitHead } from './digits.js';
import { checkSampling, type SamplingOptions } from './sampler.js';

/**
 * The contract of a world model (training/world/README.md): an autoregressive transformer over the tokens of
 * a discrete video tokenizer, stepped with a key/value cache. A model is stateless; each rollout of a batch of
 * futures owns its cache. Versioned, so callers can tell which shape of the interface a model implements.
 */
export interface WorldModel {
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly version: string;
  readonly config: WorldModelConfig;
  /** How a position's row becomes digit logits; absent: the row is the independent digits' logits. */
  readonly head?: DigitHead;
  /**
   * A rollout of `batch` sequences that share `actions` per sequence ([batch, L, A] features, see
   * actionFeatures; zeros when absent). Its cache starts empty.
   */
  rollout(batch: number, actions?: Float32Array): WorldModelRollout;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** One batch of sequences being generated; the cache grows by the tokens of each step. */
export interface WorldModelRollout {
  readonly batch: number;
  /** Positions in the cache (T): the tokens fed so far. */
  readonly length: number;
  /**
   * Feed `tokens` ([batch, S] row-major; S = tokens.length / batch) at positions length .. length + S - 1 and
   * return the next token's row, [batch, featureWidth] (the digits' logits, and with coupling its ctx).
   */
  step(tokens: ArrayLike<number>): Promise<Float32Array>;
  /**
   * Present where the model returns the logits of every new position (exports since 2026-12-05): feed S tokens
   * per row, get [batch, S, featureWidth], row-major. Speculative decoding verifies drafted tokens with it.
   */
  stepAll?(tokens: ArrayLike<number>): Promise<Float32Array>;
  /** Present with `stepAll`: forget the positions from `length` on (drafts that were not accepted). */
  truncate?(length: number): void;
  /**
   * Present where the rollout can shed rows: keep the first `batch` rows (their cache and actions), forget
   * the rest; later steps take `batch` rows. Guidance that stops early sheds its rows so.
   */
  narrow?(batch: number): void;
}

/** The manifest's `config` of a world model, checked. */
export interface WorldModelConfig {
  tokenizer: string;
  /** Frame size [height, width] the model was trained at. */
  size: [number, number];
  /** Latent frames, rows and columns of tokens: [L, H, W]. */
  grid: [number, number, number];
  framesPerLatent: number;
  levels: number[];
  promptLength: number;
  vocabWords: number;
  wordHash: 'fnv1a32';
  actionDim: number;
  actionFeatures: number;
  layers: number;
  heads: number;
  headDim: number;
  /** False when the model was trained without actions (then they are ignored, with a warning). */
  actionConditioned: boolean;
  /** False when the model was trained without prompts. */
  prompted: boolean;
  /** The sampling its recipe chose on held-out clips (config.sampling); a request's own options win. */
  sampling: SamplingOptions;
  /**
   * Speculative drafts a step that its recipe measured fastest (config.drafts; a request's own wins). How many
   * pay depends on how often the model accepts them: a step of many tokens is wasted where few are.
   */
  drafts?: number;
  /** Classifier-free guidance on the actions that its recipe chose (config.actionGuidance; a request's wins). */
  actionGuidance?: number;
  /** Classifier-free guidance on the prompt that its recipe chose (config.promptGuidance; a request's wins). */
  promptGuidance?: number;
  /**
   * Prompt guidance by how many frames condition the future (config.promptGuidanceFromFrames, since
   * 2026-12-08): `[frames, scale]` pairs, fewest frames first; a request with at least `frames` conditioning
   * frames gets `scale` (the pair with the most such frames), one with fewer gets `promptGuidance`. A
   * request's own scale wins over both. With 9 frames the shipped model gains from twice the guidance it
   * gains from with 1 (physics-eval.md).
   */
  promptGuidanceFromFrames?: [frames: number, scale: number][];
  /**
   * Prompt guidance over the first this many generated latent frames only, then none and its rows dropped
   * (config.promptGuidanceFrames; a request's wins; absent or 0: every frame).
   */
  promptGuidanceFrames?: number;
  /** Whether futures draw the patches the model kept from the input's pixels (config.keepUnchanged). */
  keepUnchanged?: boolean;
  /**
   * Digit coupling's rank (config.coupling, since 2026-12-07): each row also holds this many numbers per digit
   * after the first, and coupling.json the tables that turn them into logits given the digits before.
   */
  coupling?: number;
}

/** Numbers per position in a step's output: the digits' logits, then the coupling's (levels - 1) x rank. */
export const featureWidth = (config: WorldModelConfig): number =>
  config.levels.reduce((a, b) => a + b, 0) + (config.levels.length - 1) * (config.coupling ?? 0);

function samplingOf(v: unknown): SamplingOptions | undefined {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null) return undefined;
  const out: SamplingOptions = {};
  for (const key of ['temperature', 'topK', 'topP'] as const) {
    const x = (v as Record<string, unknown>)[key];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    out[key] = x;
  }
  try {
    checkSampling(out);
  } catch {
    return undefined; // out of range: the manifest's fault, said as such by the caller
  }
  return out;
}

/** First token value of the prompt words: visual tokens are 0 .. 63999 for levels [8,8,8,5,5,5]. */
export const codebookSize = (levels: readonly number[]): number => levels.reduce((a, b) => a * b, 1);

export function parseWorldModelConfig(
  name: string,
  config: Record<string, unknown> | undefined,
): WorldModelConfig {
  const c = config ?? {};
  const bad = (key: string, want: string): never => {
    throw new OrbisError('MODEL_MANIFEST_INVALID', `model "${name}" has no valid config.${key} (${want})`, {
      hint: 'export the model again with training/world/train.py, which writes the config the runtime needs',
      details: { name, key },
    });
  };
  const int = (key: string): number => {
    const v = c[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : bad(key, 'a whole number');
  };
  const ints = (key: string, length?: number): number[] => {
    const v = c[key];
    const ok =
      Array.isArray(v) &&
      v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0) &&
      (length === undefined || v.length === length);
    return ok ? (v as number[]) : bad(key, `${length ?? 'some'} positive whole numbers`);
  };
  const tokenizer = typeof c.tokenizer === 'string' ? c.tokenizer : bad('tokenizer', 'a tokenizer name');
  if (c.wordHash !== 'fnv1a32') bad('wordHash', '"fnv1a32"');
  const parsed: WorldModelConfig = {
    tokenizer,
    size: ints('size', 2) as [number, number],
    grid: ints('grid', 3) as [number, number, number],
    framesPerLatent: int('framesPerLatent'),
    levels: ints('levels'),
    promptLength: int('promptLength'),
    vocabWords: int('vocabWords'),
    wordHash: 'fnv1a32',
    actionDim: int('actionDim'),
    actionFeatures: int('actionFeatures'),
    layers: int('layers'),
    heads: int('heads'),
    headDim: int('headDim'),
    actionConditioned: c.actionConditioned !== false && int('actionFeatures') > 0,
    prompted: c.prompted !== false && int('promptLength') > 0,
    sampling: samplingOf(c.sampling) ?? bad('sampling', 'temperature, topK, topP numbers'),
  };
  if (c.drafts !== undefined) parsed.drafts = int('drafts');
  if (c.promptGuidanceFrames !== undefined) parsed.promptGuidanceFrames = int('promptGuidanceFrames');
  if (c.coupling !== undefined && c.coupling !== 0) parsed.coupling = int('coupling');
  if (c.keepUnchanged !== undefined)
    parsed.keepUnchanged =
      typeof c.keepUnchanged === 'boolean' ? c.keepUnchanged : bad('keepUnchanged', 'true or false');
  for (const key of ['actionGuidance', 'promptGuidance'] as const) {
    const g = c[key];
    if (g === undefined) continue;
    parsed[key] = typeof g === 'number' && Number.isFinite(g) && g >= 0 ? g : bad(key, 'a number, 0 or more');
  }
  if (c.promptGuidanceFromFrames !== undefined) {
    const v = c.promptGuidanceFromFrames;
    const want = 'an object of conditioning frame counts to scales, e.g. {"9": 2}';
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('promptGuidanceFromFrames', want);
    const pairs = Object.entries(v as Record<string, unknown>).map(([k, g]): [number, number] => {
      const frames = Number(k);
      return Number.isInteger(frames) && frames >= 1 && typeof g === 'number' && Number.isFinite(g) && g >= 0
        ? [frames, g]
        : bad('promptGuidanceFromFrames', want);
    });
    parsed.promptGuidanceFromFrames = pairs.sort((a, b) => a[0] - b[0]);
  }
  if (parsed.actionFeatures && parsed.actionFeatures < parsed.actionDim * parsed.framesPerLatent)
    bad('actionFeatures', 'at least actionDim x framesPerLatent');
  return parsed;
}

/** Video frames a sequence of `latents` latent frames decodes to: 1 + framesPerLatent (latents - 1). */
export const framesOf = (config: WorldModelConfig, latents: number): number =>
  latents < 1 ? 0 : 1 + config.framesPerLatent * (latents - 1);

/** Latent frames that hold the first `frames` video frames. */
export const latentsOf = (config: WorldModelConfig, frames: number): number =>
  frames < 1 ? 0 : 1 + Math.ceil((frames - 1) / config.framesPerLatent);

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 2166136261;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return hash;
}

/** A prompt's words as the README splits them: lower case, runs of [a-z0-9]. */
export const promptWords = (prompt: string): string[] =>
  prompt
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);

/** A caption cut to the prompt a model takes: its first `limit` words, as the model splits them. */
export const captionPrompt = (caption: string, limit: number): string =>
  promptWords(caption).slice(0, limit).join(' ');

/** The P prompt-slot tokens of a prompt (64000 + word id; 64000 for an empty slot); too many words throw. */
export function promptTokens(config: WorldModelConfig, prompt: string): number[] {
  const words = promptWords(prompt);
  const p = config.promptLength;
  if (words.length > p)
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `the prompt has ${words.length} words; this model takes at most ${p}`,
      { hint: `shorten --prompt to ${p} words or fewer`, details: { words: words.length, max: p } },
    );
  const base = codebookSize(config.levels);
  const slots = Array<number>(p).fill(base);
  words.forEach((w, i) => {
    slots[i] = base + 1 + (fnv1a32(w) % (config.vocabWords - 1));
  });
  return slots;
}

/**
 * Per-frame actions ([frames, actionDim], row-major) -> per latent frame features [L, A]: latent 0 holds
 * frame 0's action alone, latent t >= 1 the actions of frames k(t-1)+1 .. kt concatenated (k =
 * `framesPerLatent`: 4 for the 4x8x8 tokens, 8 for the 8x16x16); frames past the end of `actions` read as
 * zeros. train.py's `action_features` is the same.
 */
export function actionFeatures(config: WorldModelConfig, actions: Float32Array): Float32Array {
  const { actionDim: d, actionFeatures: a, framesPerLatent: k } = config;
  const latents = config.grid[0];
  const frames = Math.floor(actions.length / d);
  const out = new Float32Array(latents * a);
  const copy = (frame: number, at: number) => {
    if (frame < frames) out.set(actions.subarray(frame * d, (frame + 1) * d), at);
  };
  copy(0, 0);
  for (let t = 1; t < latents; t++) for (let j = 0; j < k; j++) copy(k * t - k + 1 + j, t * a + j * d);
  return out;
}
