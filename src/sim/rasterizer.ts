/**
 * A z-buffered triangle rasterizer with one exact sample at each pixel center (masks, depth, normals and
 * shading come from it) and four rotated-grid subsamples per pixel that only record which triangle covers
 * them (anti-aliasing of RGB: each subsample takes the color of the surface it sees). The z-buffer holds
 * 1/z (camera z), which is linear in screen space, so interpolating it is exact for planar triangles under
 * perspective and costs no division per sample; larger is nearer, 0 is empty.
 */

/** Subsample offsets from the pixel center (a rotated 4-sample grid). */
export const SUBSAMPLES = [
  [-0.125, -0.375],
  [0.375, -0.125],
  [0.125, 0.375],
  [-0.375, 0.125],
] as const;

export interface RasterTarget {
  width: number;
  height: number;
  /** 1 / camera z of the nearest surface at each pixel center; 0 where nothing was drawn. */
  inverseDepth: Float32Array;
  /** The triangle seen at each pixel center; -1 where nothing was drawn. */
  triangle: Int32Array;
  /** Four per pixel, in SUBSAMPLES order. */
  subInverseDepth: Float32Array;
  subTriangle: Int32Array;
}

export function createRasterTarget(width: number, height: number): RasterTarget {
  const n = width * height;
  return {
    width,
    height,
    inverseDepth: new Float32Array(n),
    triangle: new Int32Array(n),
    subInverseDepth: new Float32Array(4 * n),
    subTriangle: new Int32Array(4 * n),
  };
}

export function clearRasterTarget(target: RasterTarget): void {
  target.inverseDepth.fill(0);
  target.triangle.fill(-1);
  target.subInverseDepth.fill(0);
  target.subTriangle.fill(-1);
}

/**
 * Draw one triangle given in pixel coordinates (x, y) with its camera depth z (> 0) at each corner.
 * Pixel (i, j) has its center at (i + 0.5, j + 0.5). Edges use a >= 0 test, so shared edges leave no gaps.
 */
export function rasterizeTriangle(
  target: RasterTarget,
  id: number,
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
  cx: number,
  cy: number,
  cz: number,
): void {
  let area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (area === 0 || !Number.isFinite(area)) return;
  if (area < 0) {
    [bx, cx] = [cx, bx];
    [by, cy] = [cy, by];
    [bz, cz] = [cz, bz];
    area = -area;
  }
  const { width, height, inverseDepth, triangle, subInverseDepth, subTriangle } = target;
  const minX = Math.max(0, Math.floor(Math.min(ax, bx, cx) - 0.5));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx) - 0.5));
  const minY = Math.max(0, Math.floor(Math.min(ay, by, cy) - 0.5));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy) - 0.5));
  if (minX > maxX || minY > maxY) return;

  // Edge functions w_a (opposite a), w_b, w_c; each is linear: w = A x + B y + C.
  const aA = by - cy;
  const aB = cx - bx;
  const bA = cy - ay;
  const bB = ax - cx;
  const cA = ay - by;
  const cB = bx - ax;
  const inv = 1 / area;
  const iza = inv / az;
  const izb = inv / bz;
  const izc = inv / cz;
  // How far below zero an edge function may be at the center while a subsample is still inside.
  const reachA = 0.375 * (Math.abs(aA) + Math.abs(aB));
  const reachB = 0.375 * (Math.abs(bA) + Math.abs(bB));
  const reachC = 0.375 * (Math.abs(cA) + Math.abs(cB));

  // Each subsample's edge functions and 1/z, as offsets from the center's (unrolled: this is the hot loop).
  const a0 = aA * -0.125 + aB * -0.375;
  const b0 = bA * -0.125 + bB * -0.375;
  const c0 = cA * -0.125 + cB * -0.375;
  const a1 = aA * 0.375 + aB * -0.125;
  const b1 = bA * 0.375 + bB * -0.125;
  const c1 = cA * 0.375 + cB * -0.125;
  const a2 = aA * 0.125 + aB * 0.375;
  const b2 = bA * 0.125 + bB * 0.375;
  const c2 = cA * 0.125 + cB * 0.375;
  const a3 = aA * -0.375 + aB * 0.125;
  const b3 = bA * -0.375 + bB * 0.125;
  const c3 = cA * -0.375 + cB * 0.125;
  const i0 = a0 * iza + b0 * izb + c0 * izc;
  const i1 = a1 * iza + b1 * izb + c1 * izc;
  const i2 = a2 * iza + b2 * izb + c2 * izc;
  const i3 = a3 * iza + b3 * izb + c3 * izc;

  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5;
    const x0 = minX + 0.5;
    let wa = (bx - x0) * (cy - py) - (by - py) * (cx - x0);
    let wb = (cx - x0) * (ay - py) - (cy - py) * (ax - x0);
    let wc = (ax - x0) * (by - py) - (ay - py) * (bx - x0);
    for (let x = minX; x <= maxX; x++, wa += aA, wb += bA, wc += cA) {
      if (wa < -reachA || wb < -reachB || wc < -reachC) continue;
      const p = y * width + x;
      const iz = wa * iza + wb * izb + wc * izc;
      const q = 4 * p;
      if (wa >= reachA && wb >= reachB && wc >= reachC) {
        // Every sample of this pixel is inside: only the depth tests remain.
        if (iz > inverseDepth[p]!) {
          inverseDepth[p] = iz;
          triangle[p] = id;
        }
        if (iz + i0 > subInverseDepth[q]!) {
          subInverseDepth[q] = iz + i0;
          subTriangle[q] = id;
        }
        if (iz + i1 > subInverseDepth[q + 1]!) {
          subInverseDepth[q + 1] = iz + i1;
          subTriangle[q + 1] = id;
        }
        if (iz + i2 > subInverseDepth[q + 2]!) {
          subInverseDepth[q + 2] = iz + i2;
          subTriangle[q + 2] = id;
        }
        if (iz + i3 > subInverseDepth[q + 3]!) {
          subInverseDepth[q + 3] = iz + i3;
          subTriangle[q + 3] = id;
        }
        continue;
      }
      if (wa >= 0 && wb >= 0 && wc >= 0 && iz > inverseDepth[p]!) {
        inverseDepth[p] = iz;
        triangle[p] = id;
      }
      if (wa + a0 >= 0 && wb + b0 >= 0 && wc + c0 >= 0 && iz + i0 > subInverseDepth[q]!) {
        subInverseDepth[q] = iz + i0;
        subTriangle[q] = id;
      }
      if (wa + a1 >= 0 && wb + b1 >= 0 && wc + c1 >= 0 && iz + i1 > subInverseDepth[q + 1]!) {
        subInverseDepth[q + 1] = iz + i1;
        subTriangle[q + 1] = id;
      }
      if (wa + a2 >= 0 && wb + b2 >= 0 && wc + c2 >= 0 && iz + i2 > subInverseDepth[q + 2]!) {
        subInverseDepth[q + 2] = iz + i2;
        subTriangle[q + 2] = id;
      }
      if (wa + a3 >= 0 && wb + b3 >= 0 && wc + c3 >= 0 && iz + i3 > subInverseDepth[q + 3]!) {
        subInverseDepth[q + 3] = iz + i3;
        subTriangle[q + 3] = id;
      }
    }
  }
}

/** Depth-only rasterization at pixel centers with linear depth (orthographic views: shadow maps). */
export function rasterizeDepth(
  depth: Float32Array,
  width: number,
  height: number,
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
  cx: number,
  cy: number,
  cz: number,
): void {
  let area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (area === 0 || !Number.isFinite(area)) return;
  if (area < 0) {
    [bx, cx] = [cx, bx];
    [by, cy] = [cy, by];
    [bz, cz] = [cz, bz];
    area = -area;
  }
  const minX = Math.max(0, Math.floor(Math.min(ax, bx, cx) - 0.5));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx) - 0.5));
  const minY = Math.max(0, Math.floor(Math.min(ay, by, cy) - 0.5));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy) - 0.5));
  const aA = by - cy;
  const bA = cy - ay;
  const cA = ay - by;
  const inv = 1 / area;
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5;
    const x0 = minX + 0.5;
    let wa = (bx - x0) * (cy - py) - (by - py) * (cx - x0);
    let wb = (cx - x0) * (ay - py) - (cy - py) * (ax - x0);
    let wc = (ax - x0) * (by - py) - (ay - py) * (bx - x0);
    for (let x = minX; x <= maxX; x++, wa += aA, wb += bA, wc += cA) {
      if (wa < 0 || wb < 0 || wc < 0) continue;
      const z = (wa * az + wb * bz + wc * cz) * inv;
      const p = y * width + x;
      if (z < depth[p]!) depth[p] = z;
    }
  }
}
