import type { Embedder, EmbedFrame } from './embedder.js';

const GRID = 8;
const BINS = 4;

/**
 * The built-in embedder: a training-free visual descriptor for near-duplicate detection. Per sampled
 * frame, an 8x8 gray thumbnail with its mean and contrast taken out (robust to re-encoding, resizing, and
 * brightness or contrast changes), plus one 4x4x4 colour histogram for the clip; L2-normalized, so a dot
 * product is the cosine similarity. It knows nothing of meaning: two different clips of the same kind of
 * scene are not close. Plug a learned image/video encoder in through the Embedder interface for that.
 */
export class ThumbprintEmbedder implements Embedder {
  readonly name = 'thumbprint-v1';
  readonly framesPerClip = 3;
  readonly frameWidth = 64;
  readonly dimensions = this.framesPerClip * GRID * GRID + BINS ** 3;

  embed(frames: readonly EmbedFrame[]): Float32Array {
    const picked = Array.from(
      { length: this.framesPerClip },
      (_, f) => frames[Math.min(frames.length - 1, f)],
    ).filter((f): f is EmbedFrame => f !== undefined);
    return this.combine(picked.map(thumbprintFeatures));
  }

  /** The embedding from per-frame features (see thumbprintFeatures), for callers that keep those instead of frames. */
  combine(features: readonly ThumbprintFeatures[]): Float32Array {
    const out = new Float32Array(this.dimensions);
    const histogram = new Float64Array(BINS ** 3);
    for (const [f, feature] of features.slice(0, this.framesPerClip).entries()) {
      let mean = 0;
      for (const v of feature.cells) mean += v;
      mean /= feature.cells.length;
      let norm = 0;
      for (const v of feature.cells) norm += (v - mean) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let c = 0; c < feature.cells.length; c++)
        out[f * GRID * GRID + c] = (feature.cells[c]! - mean) / norm;
      for (let h = 0; h < histogram.length; h++) histogram[h]! += feature.histogram[h]!;
    }
    let total = 0;
    for (const v of histogram) total += v;
    const offset = this.framesPerClip * GRID * GRID;
    for (let h = 0; h < histogram.length; h++) out[offset + h] = total ? Math.sqrt(histogram[h]! / total) : 0;
    return normalize(out);
  }
}

/** What the thumbprint keeps of one frame: 8x8 mean gray cells and a 4x4x4 colour histogram (counts). */
export interface ThumbprintFeatures {
  cells: Float32Array;
  histogram: Uint32Array;
}

export function thumbprintFeatures(frame: EmbedFrame): ThumbprintFeatures {
  const cells = new Float32Array(GRID * GRID);
  const counts = new Float32Array(GRID * GRID);
  const histogram = new Uint32Array(BINS ** 3);
  const { width, height, data } = frame;
  for (let y = 0; y < height; y++) {
    const cy = Math.min(GRID - 1, Math.floor((y * GRID) / height));
    for (let x = 0; x < width; x++) {
      const cx = Math.min(GRID - 1, Math.floor((x * GRID) / width));
      const i = (y * width + x) * 3;
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      cells[cy * GRID + cx]! += 0.299 * r + 0.587 * g + 0.114 * b;
      counts[cy * GRID + cx]!++;
      histogram[(r >> 6) * 16 + (g >> 6) * 4 + (b >> 6)]!++;
    }
  }
  for (let c = 0; c < cells.length; c++) cells[c] = counts[c]! ? cells[c]! / counts[c]! : 0;
  return { cells, histogram };
}

export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
