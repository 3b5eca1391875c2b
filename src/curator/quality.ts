/**
 * Scores of a clip from sampled gray frames: how much it moves, how sharp and how bright it is, and how
 * much of it is dark or frozen. Each is stored on the clip; the filter stage decides from them.
 */
export interface ClipScores {
  /** Mean absolute difference between consecutive samples, 0-255. */
  motion: number;
  /** Mean variance of the 4-neighbour Laplacian: higher is sharper. */
  sharpness: number;
  /** Mean brightness, 0-255. */
  brightness: number;
  /** Share of samples whose mean brightness is under 16. */
  darkFraction: number;
  /** Share of consecutive samples that are (nearly) identical. */
  frozenFraction: number;
}

export interface GrayFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export function laplacianVariance(frame: GrayFrame): number {
  const { width: w, height: h, data } = frame;
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = data[i - 1]! + data[i + 1]! + data[i - w]! + data[i + w]! - 4 * data[i]!;
      sum += v;
      sum2 += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

function meanOf(data: Uint8Array): number {
  let s = 0;
  for (const v of data) s += v;
  return s / data.length;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

export function scoreFrames(frames: readonly GrayFrame[]): ClipScores {
  if (frames.length === 0)
    return { motion: 0, sharpness: 0, brightness: 0, darkFraction: 1, frozenFraction: 1 };
  let motion = 0;
  let frozen = 0;
  for (let i = 1; i < frames.length; i++) {
    const d = meanAbsDiff(frames[i - 1]!.data, frames[i]!.data);
    motion += d;
    if (d < 0.3) frozen++;
  }
  const pairs = Math.max(1, frames.length - 1);
  const brightness = frames.map((f) => meanOf(f.data));
  return {
    motion: motion / pairs,
    sharpness: frames.reduce((s, f) => s + laplacianVariance(f), 0) / frames.length,
    brightness: brightness.reduce((a, b) => a + b, 0) / frames.length,
    darkFraction: brightness.filter((b) => b < 16).length / frames.length,
    frozenFraction: frames.length > 1 ? frozen / pairs : 1,
  };
}
