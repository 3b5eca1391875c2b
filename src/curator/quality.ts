/**
 * Scores of a clip, from the frames of the analysis pass: how much it moves, how sharp and how bright it is,
 * and how much of it is dark or frozen. Each is stored on the clip; the filter stage decides from them.
 */
export interface ClipScores {
  /** Mean absolute difference between consecutive frames at analysis size, 0-255. */
  motion: number;
  /** Mean variance of the 4-neighbour Laplacian: higher is sharper. */
  sharpness: number;
  /** Mean brightness, 0-255. */
  brightness: number;
  /** Share of frames whose mean brightness is under 16. */
  darkFraction: number;
  /** Share of consecutive frames that are (nearly) identical. */
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
