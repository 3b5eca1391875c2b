import { OrbisError } from '../core/index.js';

/**
 * Finite scalar quantization's token indices, exactly as training/tokenizer/model.py's FSQ computes them:
 * channel c holds `levels[c]` values (d - half) / half for digits d = 0..levels[c]-1, half = (levels[c]-1)/2,
 * and a token is the mixed-radix number sum(d_c * basis_c) with basis = [1, l0, l0*l1, ...] (first channel
 * least significant). Levels [8,8,8,5,5,5] give 64000 tokens, which fit a uint16.
 */
export interface Fsq {
  levels: readonly number[];
  basis: readonly number[];
  codebookSize: number;
}

export function fsqOf(levels: readonly number[]): Fsq {
  if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 2))
    throw new OrbisError(
      'MODEL_MANIFEST_INVALID',
      `FSQ levels [${levels.join(', ')}] are not whole numbers >= 2`,
    );
  const basis = [1];
  for (const l of levels.slice(0, -1)) basis.push(basis.at(-1)! * l);
  const codebookSize = levels.reduce((a, b) => a * b, 1);
  return { levels, basis, codebookSize };
}

/**
 * FSQ values [B, C, T, H, W] (C = levels.length, each in [-1, 1]) -> token indices [B, T, H, W]. Values are
 * rounded to the nearest level, so small numeric noise from the runtime does not change a token.
 */
export function valuesToIndices(fsq: Fsq, values: Float32Array, dims: readonly number[]): Uint16Array {
  const [b = 0, c = 0, t = 0, h = 0, w = 0] = dims;
  if (c !== fsq.levels.length)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `a latent of ${c} channels cannot be FSQ tokens of ${fsq.levels.length} levels`,
    );
  const plane = t * h * w;
  const out = new Uint16Array(b * plane);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < plane; i++) {
      let index = 0;
      for (let k = 0; k < c; k++) {
        const half = (fsq.levels[k]! - 1) / 2;
        const digit = Math.round(values[(n * c + k) * plane + i]! * half + half);
        index += Math.min(fsq.levels[k]! - 1, Math.max(0, digit)) * fsq.basis[k]!;
      }
      out[n * plane + i] = index;
    }
  return out;
}

/** Token indices [B, T, H, W] -> FSQ values [B, C, T, H, W]; an index outside the codebook is refused. */
export function indicesToValues(fsq: Fsq, indices: Uint16Array, dims: readonly number[]): Float32Array {
  const [b = 0, t = 0, h = 0, w = 0] = dims;
  const c = fsq.levels.length;
  const plane = t * h * w;
  const out = new Float32Array(b * c * plane);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < plane; i++) {
      const index = indices[n * plane + i]!;
      if (index >= fsq.codebookSize)
        throw new OrbisError(
          'INVALID_ARGUMENT',
          `token ${index} at position ${n * plane + i} is outside the codebook of ${fsq.codebookSize}`,
          { hint: 'the tokens are damaged or come from another tokenizer: encode the video again' },
        );
      for (let k = 0; k < c; k++) {
        const half = (fsq.levels[k]! - 1) / 2;
        const digit = Math.floor(index / fsq.basis[k]!) % fsq.levels[k]!;
        out[(n * c + k) * plane + i] = (digit - half) / half;
      }
    }
  return out;
}
