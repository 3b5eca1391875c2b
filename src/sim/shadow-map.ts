import type { FrameGeometry } from './frame-geometry.js';
import { cross, normalize, type Vec3 } from './math3.js';
import { rasterizeDepth } from './rasterizer.js';

/**
 * A shadow map for the directional light: depth along the light of the nearest caster, in an orthographic
 * grid over the region the cameras see. The floor casts no shadow (nothing lies below it).
 */
export interface ShadowMap {
  size: number;
  depth: Float32Array;
  u: Vec3;
  v: Vec3;
  direction: Vec3;
  /** Light-space coordinates of the map's corner and meters per texel. */
  u0: number;
  v0: number;
  texel: number;
  bias: number;
  /** The texels casters cover lie within [minU, maxU] x [minV, maxV]; all else is lit. */
  minU: number;
  maxU: number;
  minV: number;
  maxV: number;
}

export const SHADOW_MAP_SIZE = 384;

export function buildShadowMap(
  geometry: FrameGeometry,
  casts: Uint8Array,
  direction: Vec3,
  center: Vec3,
  radius: number,
  reuse?: ShadowMap,
): ShadowMap {
  const size = SHADOW_MAP_SIZE;
  const helper: Vec3 = Math.abs(direction[1]) > 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u = normalize(cross(direction, helper));
  const v = cross(direction, u);
  const texel = (2 * radius) / size;
  const u0 = center[0] * u[0] + center[1] * u[1] + center[2] * u[2] - radius;
  const v0 = center[0] * v[0] + center[1] * v[1] + center[2] * v[2] - radius;
  const depth = (reuse?.depth ?? new Float32Array(size * size)).fill(Number.POSITIVE_INFINITY);
  let minU = size;
  let maxU = -1;
  let minV = size;
  let maxV = -1;
  const tri = geometry.triangles;
  const corner = new Float64Array(9);
  for (let t = 0; t < geometry.count; t++) {
    if (!casts[geometry.body[t]!]) continue;
    for (let k = 0; k < 3; k++) {
      const x = tri[t * 9 + k * 3]!;
      const y = tri[t * 9 + k * 3 + 1]!;
      const z = tri[t * 9 + k * 3 + 2]!;
      corner[k * 3] = (x * u[0] + y * u[1] + z * u[2] - u0) / texel;
      corner[k * 3 + 1] = (x * v[0] + y * v[1] + z * v[2] - v0) / texel;
      corner[k * 3 + 2] = x * direction[0] + y * direction[1] + z * direction[2];
      minU = Math.min(minU, corner[k * 3]!);
      maxU = Math.max(maxU, corner[k * 3]!);
      minV = Math.min(minV, corner[k * 3 + 1]!);
      maxV = Math.max(maxV, corner[k * 3 + 1]!);
    }
    rasterizeDepth(
      depth,
      size,
      size,
      corner[0]!,
      corner[1]!,
      corner[2]!,
      corner[3]!,
      corner[4]!,
      corner[5]!,
      corner[6]!,
      corner[7]!,
      corner[8]!,
    );
  }
  return {
    size,
    depth,
    u,
    v,
    direction,
    u0,
    v0,
    texel,
    bias: 2 * texel,
    minU: minU - 2,
    maxU: maxU + 1,
    minV: minV - 2,
    maxV: maxV + 1,
  };
}

/**
 * The fraction of light reaching world point (x, y, z): 0 in shadow, 1 lit. The nearest texel decides; a
 * texel is about one pixel of a 256-pixel view, so shadow edges stay as sharp as object edges.
 */
export function lightAt(map: ShadowMap, x: number, y: number, z: number): number {
  const { u, v, direction: d, size } = map;
  const iu = Math.floor((x * u[0] + y * u[1] + z * u[2] - map.u0) / map.texel);
  const iv = Math.floor((x * v[0] + y * v[1] + z * v[2] - map.v0) / map.texel);
  if (iu < map.minU || iv < map.minV || iu > map.maxU || iv > map.maxV) return 1;
  if (iu < 0 || iv < 0 || iu >= size || iv >= size) return 1;
  return x * d[0] + y * d[1] + z * d[2] - map.bias > map.depth[iv * size + iu]! ? 0 : 1;
}
