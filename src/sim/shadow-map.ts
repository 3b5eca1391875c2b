import type { FrameGeometry } from './frame-geometry.js';
import type { FrameMotion } from './frame-motion.js';
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

/** The depth that still casters leave, kept so that later frames draw only the moving ones on top. */
interface StillCasters {
  depth: Float32Array;
  bounds: Float64Array;
}

const shadowLayers = new WeakMap<ShadowMap, StillCasters>();

/**
 * With `motion`, `reuse` (last frame's map of the same light) keeps what the still casters drew, and is
 * returned as it is when no caster moved. The depth is the nearest caster's either way, whatever the order.
 */
export function buildShadowMap(
  geometry: FrameGeometry,
  casts: Uint8Array,
  direction: Vec3,
  center: Vec3,
  radius: number,
  reuse?: ShadowMap,
  motion?: FrameMotion,
): ShadowMap {
  const size = SHADOW_MAP_SIZE;
  const helper: Vec3 = Math.abs(direction[1]) > 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u = normalize(cross(direction, helper));
  const v = cross(direction, u);
  const texel = (2 * radius) / size;
  const u0 = center[0] * u[0] + center[1] * u[1] + center[2] * u[2] - radius;
  const v0 = center[0] * v[0] + center[1] * v[1] + center[2] * v[2] - radius;
  const frame = { u, v, direction, u0, v0, texel };
  const same =
    reuse !== undefined &&
    reuse.u0 === u0 &&
    reuse.v0 === v0 &&
    reuse.texel === texel &&
    [0, 1, 2].every((k) => reuse.direction[k] === direction[k]);
  const layer = same && motion ? shadowLayers.get(reuse) : undefined;
  if (layer && motion && !casts.some((c, b) => c !== 0 && motion.moved[b] !== 0)) return reuse!;
  const depth = reuse?.depth ?? new Float32Array(size * size);
  const bounds = new Float64Array([size, -1, size, -1]);
  if (!motion) {
    depth.fill(Number.POSITIVE_INFINITY);
    drawCasters(geometry, casts, undefined, frame, depth, bounds);
  } else {
    let still = layer;
    if (!still) {
      still = { depth: new Float32Array(size * size).fill(Number.POSITIVE_INFINITY), bounds: bounds.slice() };
      drawCasters(geometry, casts, motion.still, frame, still.depth, still.bounds);
    }
    depth.set(still.depth);
    bounds.set(still.bounds);
    const moving = motion.still.map((s) => 1 - s);
    drawCasters(geometry, casts, moving, frame, depth, bounds);
    const map = mapOf(frame, size, depth, bounds);
    shadowLayers.set(map, still);
    return map;
  }
  return mapOf(frame, size, depth, bounds);
}

interface LightFrame {
  u: Vec3;
  v: Vec3;
  direction: Vec3;
  u0: number;
  v0: number;
  texel: number;
}

function mapOf(frame: LightFrame, size: number, depth: Float32Array, bounds: Float64Array): ShadowMap {
  return {
    size,
    depth,
    ...frame,
    bias: 2 * frame.texel,
    minU: bounds[0]! - 2,
    maxU: bounds[1]! + 1,
    minV: bounds[2]! - 2,
    maxV: bounds[3]! + 1,
  };
}

/** Rasterize the casters' triangles (with `select`, only bodies where it is 1) and widen `bounds`. */
function drawCasters(
  geometry: FrameGeometry,
  casts: Uint8Array,
  select: Uint8Array | undefined,
  frame: LightFrame,
  depth: Float32Array,
  bounds: Float64Array,
): void {
  const { u, v, direction, u0, v0, texel } = frame;
  const size = SHADOW_MAP_SIZE;
  let minU = bounds[0]!;
  let maxU = bounds[1]!;
  let minV = bounds[2]!;
  let maxV = bounds[3]!;
  const tri = geometry.triangles;
  const corner = new Float64Array(9);
  for (let t = 0; t < geometry.count; t++) {
    const b = geometry.body[t]!;
    if (!casts[b] || (select !== undefined && select[b] !== 1)) continue;
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
  bounds[0] = minU;
  bounds[1] = maxU;
  bounds[2] = minV;
  bounds[3] = maxV;
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
