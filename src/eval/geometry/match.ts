import type { Features } from './features.js';
import type { Correspondences } from './fundamental.js';

export interface MatchOptions {
  /** Lowe's ratio test: keep a match when best < ratio x second best (default 0.8). */
  ratio?: number;
  /** Largest Hamming distance accepted, of 256 bits (default 64). */
  maxDistance?: number;
  /** Keep only matches that are each other's best both ways (default true). */
  crossCheck?: boolean;
}

export interface Match {
  a: number;
  b: number;
  distance: number;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function nearest(
  from: Uint32Array,
  i: number,
  to: Uint32Array,
  count: number,
): { best: number; first: number; second: number } {
  let first = 257;
  let second = 257;
  let best = -1;
  const o = i * 8;
  for (let j = 0; j < count; j++) {
    const p = j * 8;
    let d = 0;
    for (let w = 0; w < 8 && d < second; w++) d += popcount((from[o + w]! ^ to[p + w]!) >>> 0);
    if (d < first) {
      second = first;
      first = d;
      best = j;
    } else if (d < second) second = d;
  }
  return { best, first, second };
}

/** Brute-force Hamming matching with the ratio test and an optional cross-check. */
export function matchFeatures(a: Features, b: Features, options: MatchOptions = {}): Match[] {
  const ratio = options.ratio ?? 0.8;
  const maxDistance = options.maxDistance ?? 64;
  const crossCheck = options.crossCheck ?? true;
  const na = a.keypoints.length;
  const nb = b.keypoints.length;
  if (na === 0 || nb < 2) return [];
  const backward = crossCheck ? new Int32Array(nb).fill(-2) : undefined;
  const matches: Match[] = [];
  for (let i = 0; i < na; i++) {
    const { best, first, second } = nearest(a.descriptors, i, b.descriptors, nb);
    if (best < 0 || first > maxDistance || first >= ratio * second) continue;
    if (backward) {
      if (backward[best] === -2) backward[best] = nearest(b.descriptors, best, a.descriptors, na).best;
      if (backward[best] !== i) continue;
    }
    matches.push({ a: i, b: best, distance: first });
  }
  return matches;
}

/** The matched keypoints as correspondences, optionally rescaled (e.g. to a 960x540 reference frame). */
export function toCorrespondences(
  a: Features,
  b: Features,
  matches: Match[],
  scaleX = 1,
  scaleY = 1,
): Correspondences {
  const x1 = new Float64Array(matches.length * 2);
  const x2 = new Float64Array(matches.length * 2);
  for (const [k, m] of matches.entries()) {
    x1[2 * k] = a.keypoints[m.a]!.x * scaleX;
    x1[2 * k + 1] = a.keypoints[m.a]!.y * scaleY;
    x2[2 * k] = b.keypoints[m.b]!.x * scaleX;
    x2[2 * k + 1] = b.keypoints[m.b]!.y * scaleY;
  }
  return { x1, x2 };
}
