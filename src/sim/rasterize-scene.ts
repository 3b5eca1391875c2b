import type { Camera } from './camera.js';
import { clipNear } from './clip-near.js';
import type { FrameGeometry } from './frame-geometry.js';
import type { Mat3 } from './math3.js';
import { type RasterTarget, rasterizeTriangle } from './rasterizer.js';

/**
 * Cull back faces, clip at the near plane, project and rasterize the triangles of a frame into `target`:
 * all of them, or with `select` (per body) only those of bodies where `select[body] === value`.
 */
export function rasterizeScene(
  target: RasterTarget,
  camera: Camera,
  geometry: FrameGeometry,
  select: Uint8Array | undefined,
  value: number,
): void {
  const { rotation: r, position: c, fx, fy, cx, cy, near } = camera;
  const [r0, r1, r2, r3, r4, r5, r6, r7, r8] = r as Mat3;
  const [c0, c1, c2] = c;
  const tri = geometry.triangles;
  const nrm = geometry.normals;
  const body = geometry.body;
  const cam = new Float64Array(9);
  const poly = new Float64Array(12);
  const screen = new Float64Array(12);
  for (let t = 0; t < geometry.count; t++) {
    if (select !== undefined && select[body[t]!] !== value) continue;
    const o = t * 9;
    const ax = tri[o]! - c0;
    const ay = tri[o + 1]! - c1;
    const az = tri[o + 2]! - c2;
    if (nrm[t * 3]! * ax + nrm[t * 3 + 1]! * ay + nrm[t * 3 + 2]! * az >= 0) continue;
    let inFront = 0;
    for (let k = 0; k < 3; k++) {
      const x = tri[o + 3 * k]! - c0;
      const y = tri[o + 3 * k + 1]! - c1;
      const z = tri[o + 3 * k + 2]! - c2;
      cam[3 * k] = r0 * x + r1 * y + r2 * z;
      cam[3 * k + 1] = r3 * x + r4 * y + r5 * z;
      const zc = r6 * x + r7 * y + r8 * z;
      cam[3 * k + 2] = zc;
      if (zc >= near) inFront++;
    }
    if (inFront === 0) continue;
    let corners = 3;
    let src: Float64Array = cam;
    if (inFront < 3) {
      corners = clipNear(cam, near, poly);
      src = poly;
    }
    // Project the corners (x = fx X / Z + cx), then draw the polygon as a fan.
    for (let k = 0; k < corners; k++) {
      screen[3 * k] = (fx * src[3 * k]!) / src[3 * k + 2]! + cx;
      screen[3 * k + 1] = (fy * src[3 * k + 1]!) / src[3 * k + 2]! + cy;
      screen[3 * k + 2] = src[3 * k + 2]!;
    }
    for (let k = 1; k + 1 < corners; k++) {
      rasterizeTriangle(
        target,
        t,
        screen[0]!,
        screen[1]!,
        screen[2]!,
        screen[3 * k]!,
        screen[3 * k + 1]!,
        screen[3 * k + 2]!,
        screen[3 * k + 3]!,
        screen[3 * k + 4]!,
        screen[3 * k + 5]!,
      );
    }
  }
}
