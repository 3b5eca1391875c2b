import { OrbisError } from '../core/index.js';

/**
 * How one position's row of the step's output becomes each digit's logits. A token is six FSQ digits, drawn
 * one after another; digit i's logits may depend on the digits drawn before it in the same token.
 */
export interface DigitHead {
  /** Numbers per position in the rows a rollout returns. */
  readonly width: number;
  /**
   * Digit `digit`'s logits (levels[digit] numbers) from the row at `offset`, given the token's digits before it.
   * The array may be a view of the row or a buffer the head reuses: read it before the head's next call.
   */
  logits(row: Float32Array, offset: number, digit: number, prefix: readonly number[]): Float32Array;
}

/** Where each digit's logits start in a row: the sums of the levels before it. */
const digitStarts = (levels: readonly number[]): number[] =>
  levels.map((_, i) => levels.slice(0, i).reduce((a, b) => a + b, 0));

/** Independent digits (every export before 2026-12-07): the row is the six digits' logits side by side. */
export function independentDigits(levels: readonly number[]): DigitHead {
  const starts = digitStarts(levels);
  return {
    width: levels.reduce((a, b) => a + b, 0),
    logits: (row, offset, digit) =>
      row.subarray(offset + starts[digit]!, offset + starts[digit]! + levels[digit]!),
  };
}

/**
 * The sampler's half of a coupled model (training/world/world_model.py, `coupling`): per digit i >= 1, `embed`
 * [sum(levels[:i]), rank] (digit j's value v is row sum(levels[:j]) + v) and `out` [levels[i], rank], row-major.
 */
export interface CouplingTables {
  rank: number;
  digits: { embed: Float32Array; out: Float32Array }[];
}

/**
 * Coupled digits: the row holds the six digits' logits, then `rank` numbers ctx_i for each digit i >= 1, and
 * digit i's logits are its own plus out_i . gelu(ctx_i + sum over j < i of embed_i[digit j]). Where the model
 * hesitates between two tokens, the first digits drawn pick one and the others follow it, rather than each
 * digit taking its own side.
 */
export class CoupledDigits implements DigitHead {
  readonly width: number;
  /** Each digit's own logits, the first `base` numbers of a row. */
  private readonly own: DigitHead;
  private readonly starts: number[];
  /** Where ctx_1 starts in a row: after the six digits' logits. */
  private readonly base: number;
  private readonly z: Float32Array;
  private readonly out: Float32Array;

  constructor(
    private readonly levels: readonly number[],
    private readonly tables: CouplingTables,
  ) {
    this.own = independentDigits(levels);
    this.base = this.own.width;
    this.width = this.base + (levels.length - 1) * tables.rank;
    this.starts = digitStarts(levels);
    this.z = new Float32Array(tables.rank);
    this.out = new Float32Array(Math.max(...levels));
  }

  logits(row: Float32Array, offset: number, digit: number, prefix: readonly number[]): Float32Array {
    const n = this.levels[digit]!;
    const own = this.own.logits(row, offset, digit, prefix);
    if (digit === 0) return own;
    const r = this.tables.rank;
    const { embed, out: weights } = this.tables.digits[digit - 1]!;
    const z = this.z;
    const ctx = offset + this.base + (digit - 1) * r;
    for (let k = 0; k < r; k++) z[k] = row[ctx + k]!;
    for (let j = 0; j < digit; j++) {
      const at = (this.starts[j]! + prefix[j]!) * r;
      for (let k = 0; k < r; k++) z[k] = z[k]! + embed[at + k]!;
    }
    for (let k = 0; k < r; k++) z[k] = gelu(z[k]!);
    const logits = this.out.subarray(0, n);
    for (let v = 0; v < n; v++) {
      let sum = own[v]!;
      for (let k = 0; k < r; k++) sum += weights[v * r + k]! * z[k]!;
      logits[v] = sum;
    }
    return logits;
  }
}

/** GELU, tanh form (PyTorch's approximate="tanh"), as the coupling was trained with. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

/**
 * Classifier-free guidance over any head: the row holds (1 + scales.length) rows of `inner`, the future as
 * asked then once per condition taken away, and each digit's logits are asked + sum over c of
 * scale_c * (asked - without_c), each computed from the same digits before it. For independent digits this is
 * the raw rows mixed; for coupled ones the mixing has to wait for the digits drawn before.
 */
export function guidedDigits(inner: DigitHead, scales: readonly number[]): DigitHead {
  let out = new Float32Array(0);
  const gain = 1 + scales.reduce((a, b) => a + b, 0);
  return {
    width: inner.width * (1 + scales.length),
    logits(row, offset, digit, prefix) {
      // asked + sum s (asked - without) = (1 + sum s) asked - sum s without. The inner head may hand back the
      // same buffer each call (CoupledDigits does), so asked is read once, before any other call.
      const asked = inner.logits(row, offset, digit, prefix);
      if (out.length < asked.length) out = new Float32Array(asked.length);
      const mixed = out.subarray(0, asked.length);
      for (let v = 0; v < mixed.length; v++) mixed[v] = gain * asked[v]!;
      scales.forEach((s, c) => {
        const without = inner.logits(row, offset + (c + 1) * inner.width, digit, prefix);
        for (let v = 0; v < mixed.length; v++) mixed[v] = mixed[v]! - s * without[v]!;
      });
      return mixed;
    },
  };
}

/**
 * coupling.json (written by training/world/train.py) checked against the model's levels and rank: every
 * table present, of its size, of finite numbers.
 */
export function parseCoupling(
  name: string,
  levels: readonly number[],
  rank: number,
  value: unknown,
): CouplingTables {
  const bad = (what: string): never => {
    throw new OrbisError('MODEL_MANIFEST_INVALID', `model "${name}" has a bad coupling.json: ${what}`, {
      hint: 'export the model again with training/world/train.py, which writes coupling.json beside step.onnx',
    });
  };
  const v = value as { rank?: unknown; activation?: unknown; digits?: unknown };
  if (typeof v !== 'object' || v === null) bad('not a JSON object');
  if (v.rank !== rank) bad(`rank ${String(v.rank)}, but config.coupling is ${rank}`);
  if (v.activation !== 'gelu-tanh') bad(`activation ${String(v.activation)}, not "gelu-tanh"`);
  if (!Array.isArray(v.digits) || v.digits.length !== levels.length - 1)
    bad(`it needs ${levels.length - 1} digit tables`);
  const matrix = (m: unknown, rows: number, what: string): Float32Array => {
    if (
      !Array.isArray(m) ||
      m.length !== rows ||
      !m.every(
        (r) =>
          Array.isArray(r) &&
          r.length === rank &&
          r.every((x) => typeof x === 'number' && Number.isFinite(x)),
      )
    )
      bad(`${what} must be ${rows} rows of ${rank} finite numbers`);
    return Float32Array.from((m as number[][]).flat());
  };
  const starts = digitStarts(levels);
  const digits = (v.digits as { embed?: unknown; out?: unknown }[]).map((d, k) => {
    const i = k + 1;
    return {
      embed: matrix(d?.embed, starts[i]!, `digit ${i}'s embed`),
      out: matrix(d?.out, levels[i]!, `digit ${i}'s out`),
    };
  });
  return { rank, digits };
}
