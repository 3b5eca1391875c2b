import { invalid } from '../image.js';
import type { Correspondences } from './fundamental.js';
import { det3, diag3, type Mat3, mul3, smallestEigenvector, svd3, transpose3, type Vec3 } from './linalg.js';

/** Pinhole intrinsics without skew. */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export function intrinsicsMatrix(k: Intrinsics): Mat3 {
  return [k.fx, 0, k.cx, 0, k.fy, k.cy, 0, 0, 1];
}

/** A default guess for a camera of unknown intrinsics: principal point centred, 60 degree horizontal view. */
export function guessIntrinsics(width: number, height: number): Intrinsics {
  const f = width / 2 / Math.tan(Math.PI / 6);
  return { fx: f, fy: f, cx: width / 2, cy: height / 2 };
}

/** E = K2^T F K1, projected onto the essential manifold (two equal singular values, one zero). */
export function essentialFromFundamental(f: Mat3, k1: Intrinsics, k2: Intrinsics = k1): Mat3 {
  const e = mul3(mul3(transpose3(intrinsicsMatrix(k2)), f), intrinsicsMatrix(k1));
  const { u, s, v } = svd3(e);
  const sigma = (s[0] + s[1]) / 2;
  return mul3(mul3(u, diag3([sigma, sigma, 0])), transpose3(v));
}

export interface RelativePose {
  /** Rotation and unit translation taking camera-1 coordinates to camera-2 coordinates: X2 = R X1 + t. */
  r: Mat3;
  t: Vec3;
  /** Correspondences triangulated in front of both cameras with this pose. */
  inFront: number;
  considered: number;
}

/**
 * The relative pose from an essential matrix: of the four (R, t) that E allows, the one that puts the most
 * triangulated points in front of both cameras (the cheirality check).
 */
export function recoverPose(
  e: Mat3,
  c: Correspondences,
  k1: Intrinsics,
  k2: Intrinsics = k1,
  mask?: Uint8Array,
): RelativePose {
  let { u, v } = svd3(e);
  if (det3(u) < 0) u = u.map((x) => -x);
  if (det3(v) < 0) v = v.map((x) => -x);
  const w: Mat3 = [0, -1, 0, 1, 0, 0, 0, 0, 1];
  const r1 = mul3(mul3(u, w), transpose3(v));
  const r2 = mul3(mul3(u, transpose3(w)), transpose3(v));
  const t: Vec3 = [u[2]!, u[5]!, u[8]!];
  const candidates: [Mat3, Vec3][] = [
    [r1, t],
    [r1, [-t[0], -t[1], -t[2]]],
    [r2, t],
    [r2, [-t[0], -t[1], -t[2]]],
  ];
  const points: [number, number, number, number][] = [];
  const n = c.x1.length / 2;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    points.push([
      (c.x1[2 * i]! - k1.cx) / k1.fx,
      (c.x1[2 * i + 1]! - k1.cy) / k1.fy,
      (c.x2[2 * i]! - k2.cx) / k2.fx,
      (c.x2[2 * i + 1]! - k2.cy) / k2.fy,
    ]);
  }
  if (points.length === 0) throw invalid('recovering a pose needs at least one inlier correspondence');
  let best: RelativePose | undefined;
  for (const [r, tr] of candidates) {
    let inFront = 0;
    for (const p of points) {
      const x = triangulate(p, r, tr);
      if (!x) continue;
      const z2 = r[6]! * x[0] + r[7]! * x[1] + r[8]! * x[2] + tr[2];
      if (x[2] > 0 && z2 > 0) inFront++;
    }
    if (!best || inFront > best.inFront) best = { r, t: tr, inFront, considered: points.length };
  }
  return best!;
}

/** Linear (DLT) triangulation of normalized image points with P1 = [I | 0], P2 = [R | t]. */
function triangulate([ax, ay, bx, by]: [number, number, number, number], r: Mat3, t: Vec3): Vec3 | undefined {
  const rows = [
    [-1, 0, ax, 0],
    [0, -1, ay, 0],
    [bx * r[6]! - r[0]!, bx * r[7]! - r[1]!, bx * r[8]! - r[2]!, bx * t[2] - t[0]],
    [by * r[6]! - r[3]!, by * r[7]! - r[4]!, by * r[8]! - r[5]!, by * t[2] - t[1]],
  ];
  const ata = new Array<number>(16).fill(0);
  for (const row of rows)
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) ata[i * 4 + j]! += row[i]! * row[j]!;
  const h = smallestEigenvector(ata, 4);
  if (Math.abs(h[3]!) < 1e-12) return undefined;
  return [h[0]! / h[3]!, h[1]! / h[3]!, h[2]! / h[3]!];
}
