import { invalid } from '../image.js';
import { diag3, frobenius, type Mat3, mul3, smallestEigenvector, svd3, transpose3 } from './linalg.js';

/** Pixel correspondences: x1[i] in the first image matches x2[i] in the second. Flat [x0, y0, x1, y1, ...]. */
export interface Correspondences {
  x1: Float64Array;
  x2: Float64Array;
}

export function count(c: Correspondences): number {
  return c.x1.length / 2;
}

/**
 * Squared Sampson distance of each correspondence to F, the first-order approximation of the squared
 * geometric (reprojection) error: (x2^T F x1)^2 / ((F x1)_1^2 + (F x1)_2^2 + (F^T x2)_1^2 + (F^T x2)_2^2).
 * The same quantity as OpenCV's sampsonDistance. Units: pixels squared.
 */
export function sampsonDistances(f: Mat3, c: Correspondences): Float64Array {
  const n = count(c);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = sampsonAt(f, c.x1[2 * i]!, c.x1[2 * i + 1]!, c.x2[2 * i]!, c.x2[2 * i + 1]!);
  return out;
}

export function sampsonAt(f: Mat3, ax: number, ay: number, bx: number, by: number): number {
  const fx0 = f[0]! * ax + f[1]! * ay + f[2]!;
  const fx1 = f[3]! * ax + f[4]! * ay + f[5]!;
  const fx2 = f[6]! * ax + f[7]! * ay + f[8]!;
  const ftx0 = f[0]! * bx + f[3]! * by + f[6]!;
  const ftx1 = f[1]! * bx + f[4]! * by + f[7]!;
  const v = bx * fx0 + by * fx1 + fx2;
  const denom = fx0 * fx0 + fx1 * fx1 + ftx0 * ftx0 + ftx1 * ftx1;
  return denom > 0 ? (v * v) / denom : Number.POSITIVE_INFINITY;
}

/**
 * The larger of the two squared distances from each point to the epipolar line of its match (pixels
 * squared): the error OpenCV's RANSAC for fundamental matrices thresholds.
 */
export function epipolarDistances(f: Mat3, c: Correspondences): Float64Array {
  const n = count(c);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ax = c.x1[2 * i]!;
    const ay = c.x1[2 * i + 1]!;
    const bx = c.x2[2 * i]!;
    const by = c.x2[2 * i + 1]!;
    const l2a = f[0]! * ax + f[1]! * ay + f[2]!;
    const l2b = f[3]! * ax + f[4]! * ay + f[5]!;
    const l2c = f[6]! * ax + f[7]! * ay + f[8]!;
    const d2 = bx * l2a + by * l2b + l2c;
    const l1a = f[0]! * bx + f[3]! * by + f[6]!;
    const l1b = f[1]! * bx + f[4]! * by + f[7]!;
    const l1c = f[2]! * bx + f[5]! * by + f[8]!;
    const d1 = ax * l1a + ay * l1b + l1c;
    out[i] = Math.max((d1 * d1) / (l1a * l1a + l1b * l1b), (d2 * d2) / (l2a * l2a + l2b * l2b));
  }
  return out;
}

/** Hartley's normalization: centroid to the origin, mean distance sqrt(2). Returns T with x' = T x. */
function normalizingTransform(points: Float64Array, index: readonly number[]): Mat3 {
  let cx = 0;
  let cy = 0;
  for (const i of index) {
    cx += points[2 * i]!;
    cy += points[2 * i + 1]!;
  }
  cx /= index.length;
  cy /= index.length;
  let dist = 0;
  for (const i of index) dist += Math.hypot(points[2 * i]! - cx, points[2 * i + 1]! - cy);
  dist /= index.length;
  const s = dist > 0 ? Math.SQRT2 / dist : 1;
  return [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1];
}

/**
 * The normalized 8-point algorithm (Hartley 1997) on the correspondences in `index` (all by default):
 * least squares on normalized coordinates, rank 2 enforced by zeroing the smallest singular value, then
 * denormalized. F is scaled to unit Frobenius norm with F[8] >= 0.
 */
export function eightPoint(c: Correspondences, index?: readonly number[]): Mat3 {
  const ids = index ?? Array.from({ length: count(c) }, (_, i) => i);
  if (ids.length < 8)
    throw invalid(`the 8-point algorithm needs at least 8 correspondences, got ${ids.length}`);
  const t1 = normalizingTransform(c.x1, ids);
  const t2 = normalizingTransform(c.x2, ids);
  const ata = new Array<number>(81).fill(0);
  const row = new Array<number>(9);
  for (const i of ids) {
    const ax = t1[0]! * c.x1[2 * i]! + t1[2]!;
    const ay = t1[4]! * c.x1[2 * i + 1]! + t1[5]!;
    const bx = t2[0]! * c.x2[2 * i]! + t2[2]!;
    const by = t2[4]! * c.x2[2 * i + 1]! + t2[5]!;
    row[0] = bx * ax;
    row[1] = bx * ay;
    row[2] = bx;
    row[3] = by * ax;
    row[4] = by * ay;
    row[5] = by;
    row[6] = ax;
    row[7] = ay;
    row[8] = 1;
    for (let r = 0; r < 9; r++) {
      const vr = row[r]!;
      for (let q = r; q < 9; q++) ata[r * 9 + q]! += vr * row[q]!;
    }
  }
  for (let r = 0; r < 9; r++) for (let q = 0; q < r; q++) ata[r * 9 + q] = ata[q * 9 + r]!;
  const fn = smallestEigenvector(ata, 9) as Mat3;
  const { u, s, v } = svd3(fn);
  const rank2 = mul3(mul3(u, diag3([s[0], s[1], 0])), transpose3(v));
  return normalizeF(mul3(mul3(transpose3(t2), rank2), t1));
}

/** Scale F to unit Frobenius norm, sign chosen so the last entry is non-negative. */
export function normalizeF(f: Mat3): Mat3 {
  const n = frobenius(f) || 1;
  const sign = f[8]! < 0 ? -1 : 1;
  return f.map((x) => (sign * x) / n);
}
