import { invalid } from '../image.js';
import {
  type Correspondences,
  count,
  eightPoint,
  epipolarDistances,
  sampsonDistances,
} from './fundamental.js';
import type { Mat3 } from './linalg.js';

export interface RansacOptions {
  /** Inlier threshold on the Sampson distance, in pixels (default 1). */
  threshold?: number;
  /** Probability of drawing at least one all-inlier sample (default 0.999). */
  confidence?: number;
  maxIterations?: number;
  /**
   * The error thresholded: `sampson` (default; the first-order geometric error) or `epipolar`, the larger
   * point-to-epipolar-line distance of the pair, which is what OpenCV's FM_RANSAC uses.
   */
  error?: 'sampson' | 'epipolar';
  /** Seed of the sampler: the same input and seed give the same result. */
  seed?: number;
}

export interface FundamentalEstimate {
  f: Mat3;
  /** 1 for inliers, 0 for outliers. */
  inliers: Uint8Array;
  inlierCount: number;
  iterations: number;
  /** The thresholded error (squared, pixels^2) of every correspondence to the final F. */
  distances: Float64Array;
}

/** A small deterministic generator (mulberry32), so RANSAC runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inliersOf(distances: Float64Array, threshold2: number): { mask: Uint8Array; n: number } {
  const mask = new Uint8Array(distances.length);
  let n = 0;
  for (let i = 0; i < distances.length; i++) {
    if (distances[i]! <= threshold2) {
      mask[i] = 1;
      n++;
    }
  }
  return { mask, n };
}

/**
 * Fundamental matrix by RANSAC over 8-point minimal samples, scored by Sampson distance, with the number
 * of iterations adapted to the inlier ratio found so far; the best model is refitted on its inliers until
 * the inlier set stops changing. Returns undefined when no model has 8 inliers.
 */
export function findFundamental(
  c: Correspondences,
  options: RansacOptions = {},
): FundamentalEstimate | undefined {
  const n = count(c);
  if (n < 8) throw invalid(`estimating a fundamental matrix needs at least 8 correspondences, got ${n}`);
  const threshold = options.threshold ?? 1;
  const threshold2 = threshold * threshold;
  const confidence = options.confidence ?? 0.999;
  const maxIterations = options.maxIterations ?? 2000;
  const random = seededRandom(options.seed ?? 0);
  const errors = options.error === 'epipolar' ? epipolarDistances : sampsonDistances;

  let best: { f: Mat3; n: number } | undefined;
  let needed = maxIterations;
  let iterations = 0;
  const sample: number[] = [];
  while (iterations < needed && iterations < maxIterations) {
    iterations++;
    sample.length = 0;
    while (sample.length < 8) {
      const i = Math.floor(random() * n);
      if (!sample.includes(i)) sample.push(i);
    }
    const f = eightPoint(c, sample);
    const { n: inliers } = inliersOf(errors(f, c), threshold2);
    if (!best || inliers > best.n) {
      best = { f, n: inliers };
      const w = inliers / n;
      const p = 1 - w ** 8;
      needed = p <= 0 ? 0 : p >= 1 ? maxIterations : Math.ceil(Math.log(1 - confidence) / Math.log(p));
    }
  }
  if (!best || best.n < 8) return undefined;

  // Refit on the inliers until they settle (least squares over all of them beats any 8).
  let f = best.f;
  let distances = errors(f, c);
  let { mask, n: inlierCount } = inliersOf(distances, threshold2);
  for (let round = 0; round < 5; round++) {
    const index: number[] = [];
    for (let i = 0; i < n; i++) if (mask[i]) index.push(i);
    const refit = eightPoint(c, index);
    const refitDistances = errors(refit, c);
    const next = inliersOf(refitDistances, threshold2);
    if (next.n < inlierCount) break;
    const same = next.n === inlierCount && next.mask.every((v, i) => v === mask[i]);
    f = refit;
    distances = refitDistances;
    mask = next.mask;
    inlierCount = next.n;
    if (same) break;
  }
  return { f, inliers: mask, inlierCount, iterations, distances };
}
