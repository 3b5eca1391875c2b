import type { GrayImage, Intrinsics, Mat3, Vec3 } from '../src/eval/index.js';

/**
 * A static test world for two-view geometry: a textured floor (y = 1.5) and back wall (z = 12) seen by a
 * pinhole camera. Camera 1 is at the origin; a camera with pose (R, t) maps camera-1 points X to R X + t.
 * The texture is a mosaic of random gray cells at two scales, full of corners.
 */
export function renderTwoPlanes(k: Intrinsics, width: number, height: number, r: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1], t: Vec3 = [0, 0, 0]): GrayImage {
  const data = new Uint8Array(width * height);
  // Camera centre and ray directions in camera-1 coordinates: C = -R^T t, d = R^T K^-1 [u v 1].
  const c: Vec3 = [
    -(r[0]! * t[0] + r[3]! * t[1] + r[6]! * t[2]),
    -(r[1]! * t[0] + r[4]! * t[1] + r[7]! * t[2]),
    -(r[2]! * t[0] + r[5]! * t[1] + r[8]! * t[2]),
  ];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const x = (u + 0.5 - k.cx) / k.fx;
      const y = (v + 0.5 - k.cy) / k.fy;
      const d: Vec3 = [r[0]! * x + r[3]! * y + r[6]!, r[1]! * x + r[4]! * y + r[7]!, r[2]! * x + r[5]! * y + r[8]!];
      let value = 40;
      const tFloor = d[1] > 1e-9 ? (1.5 - c[1]) / d[1] : Infinity;
      const tWall = d[2] > 1e-9 ? (12 - c[2]) / d[2] : Infinity;
      if (tFloor < tWall && tFloor > 0) value = mosaic(c[0] + tFloor * d[0], c[2] + tFloor * d[2], 1);
      else if (tWall > 0 && Number.isFinite(tWall)) value = mosaic(c[0] + tWall * d[0], c[1] + tWall * d[1], 2);
      data[v * width + u] = value;
    }
  }
  return { width, height, data };
}

function hash(x: number, y: number, salt: number): number {
  let h = (Math.imul(x, 374761393) + Math.imul(y, 668265263) + Math.imul(salt, 2246822519)) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function mosaic(s: number, t: number, salt: number): number {
  const coarse = hash(Math.floor(s / 0.5), Math.floor(t / 0.5), salt);
  const fine = hash(Math.floor(s / 0.17), Math.floor(t / 0.17), salt + 7);
  return Math.round(30 + 140 * coarse + 80 * fine);
}
