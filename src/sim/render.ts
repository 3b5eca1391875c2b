import type { Camera } from './camera.js';
import { findEdges, updateEdges } from './edges.js';
import type { FrameGeometry } from './frame-geometry.js';
import type { FrameMotion } from './frame-motion.js';
import type { Look } from './look.js';
import { rasterizeScene } from './rasterize-scene.js';
import { clearRasterTarget, createRasterTarget, type RasterTarget } from './rasterizer.js';
import { resolveMixed } from './resolve.js';
import type { ShadowMap } from './shadow-map.js';
import { PATTERN_CODE, patternMix } from './texture.js';
import type { WorldSpec } from './world.js';

/** What one rendered frame of one view holds. All arrays are row-major, width x height. */
export interface FrameChannels {
  /** Anti-aliased color, 3 bytes per pixel. */
  rgb: Uint8Array;
  /** Instance id per pixel (the body's id; 0 is the sky), sampled exactly at pixel centers. */
  mask: Uint8Array;
  /** Camera z in meters; 0 for the sky (no surface). */
  depth: Float32Array;
  /** 255 on occlusion boundaries and creases; 0 elsewhere. */
  edges: Uint8Array;
  /** World-space unit normal as (n + 1) * 127.5, 3 bytes per pixel; 0 for the sky. */
  normals: Uint8Array;
}

export function allocateChannels(width: number, height: number): FrameChannels {
  const n = width * height;
  return {
    rgb: new Uint8Array(3 * n),
    mask: new Uint8Array(n),
    depth: new Float32Array(n),
    edges: new Uint8Array(n),
    normals: new Uint8Array(3 * n),
  };
}

const SHAPE_FLAT = 0;
const SHAPE_SPHERE = 1;
const SHAPE_CYLINDER = 2;
const SHAPE_CAPSULE = 3;
/** A pixel's surface record holds nothing yet (not even the sky). */
const EMPTY = -2;
const SKY = -1;

/**
 * Draws frames of one world through one camera in one look.
 *
 * Each pixel keeps a record of the surface its center saw last frame: the triangle, and all that follows
 * from it but the shadow: mask, depth, normal, and the point's color lit and in shadow (as floats and as
 * bytes), with the shadow-map texel it falls in and its depth along the light. When the center sees the
 * same triangle again and that body has not moved, the record holds bit for bit for this frame too, and
 * the pixel costs one shadow-map test and three byte copies. The camera and the light stay fixed over a
 * renderer's life, so most of a frame (floor, walls, sky, bodies at rest) comes from records; only pixels
 * of moving bodies are shaded from scratch.
 */
export class ViewRenderer {
  private readonly target: RasterTarget;
  private readonly rays: Float32Array;
  private readonly sky: Float32Array;
  private readonly ids: Uint8Array;
  private readonly kind: Uint8Array;
  private readonly radius: Float32Array;
  private readonly halfHeight: Float32Array;
  private readonly material: Float32Array;
  private readonly pattern: Uint8Array;
  /** Pixels whose subsamples see more than one surface, for resolveMixed(). */
  private readonly mixed: Int32Array;
  /** Pixels whose record was renewed this frame: their edges, and their neighbors', are found again. */
  private readonly renewed: Int32Array;
  // The per-pixel surface records (see the class comment), kept between frames.
  private readonly surfaceTriangle: Int32Array;
  private readonly centerBody: Int32Array;
  private readonly normal: Float32Array;
  private readonly litColor: Float32Array;
  private readonly shadedColor: Float32Array;
  private readonly litRgb: Uint8Array;
  private readonly shadedRgb: Uint8Array;
  /** The shadow-map texel under the center; -1 where the light cannot be blocked (off the map, facing away). */
  private readonly shadowTexel: Int32Array;
  /** Depth along the light less the bias, rounded up to a float32: `> texel depth` is the same test. */
  private readonly lightDepth: Float32Array;
  /** Whether the center is lit this frame (for resolveMixed()). */
  private readonly lit: Uint8Array;
  private readonly mask: Uint8Array;
  private readonly depth: Float32Array;
  private readonly normalBytes: Uint8Array;
  private readonly edges: Uint8Array;
  /** The shadow map's frame the records were made in; a different one empties them. */
  private shadowFrame: number[] = [];
  /** Rasterized still bodies, copied into the target at the start of every frame. */
  private stillLayer: RasterTarget | undefined;

  constructor(
    readonly camera: Camera,
    world: WorldSpec,
    readonly look: Look,
  ) {
    const { width, height } = camera;
    const n = width * height;
    this.target = createRasterTarget(width, height);
    this.rays = new Float32Array(3 * n);
    this.sky = new Float32Array(3 * n);
    this.mixed = new Int32Array(n);
    this.renewed = new Int32Array(n);
    this.surfaceTriangle = new Int32Array(n).fill(EMPTY);
    this.centerBody = new Int32Array(n).fill(-1);
    this.normal = new Float32Array(3 * n);
    this.litColor = new Float32Array(3 * n);
    this.shadedColor = new Float32Array(3 * n);
    this.litRgb = new Uint8Array(3 * n);
    this.shadedRgb = new Uint8Array(3 * n);
    this.shadowTexel = new Int32Array(n);
    this.lightDepth = new Float32Array(n);
    this.lit = new Uint8Array(n);
    this.mask = new Uint8Array(n);
    this.depth = new Float32Array(n);
    this.normalBytes = new Uint8Array(3 * n);
    this.edges = new Uint8Array(n);
    const r = camera.rotation;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const a = (x + 0.5 - camera.cx) / camera.fx;
        const b = (y + 0.5 - camera.cy) / camera.fy;
        const dx = r[0]! * a + r[3]! * b + r[6]!;
        const dy = r[1]! * a + r[4]! * b + r[7]!;
        const dz = r[2]! * a + r[5]! * b + r[8]!;
        this.rays[3 * p] = dx;
        this.rays[3 * p + 1] = dy;
        this.rays[3 * p + 2] = dz;
        const up = Math.min(1, Math.max(0, (2 * dy) / Math.sqrt(dx * dx + dy * dy + dz * dz)));
        for (let c = 0; c < 3; c++)
          this.sky[3 * p + c] = look.skyHorizon[c]! + (look.skyTop[c]! - look.skyHorizon[c]!) * up;
      }
    }
    const bodies = world.bodies;
    this.ids = Uint8Array.from(bodies.map((b) => b.id));
    this.kind = Uint8Array.from(
      bodies.map((b) => {
        switch (b.shape.kind) {
          case 'sphere':
            return SHAPE_SPHERE;
          case 'cylinder':
            return SHAPE_CYLINDER;
          case 'capsule':
            return SHAPE_CAPSULE;
          default:
            return SHAPE_FLAT;
        }
      }),
    );
    this.radius = Float32Array.from(bodies.map((b) => ('radius' in b.shape ? b.shape.radius : 0)));
    this.halfHeight = Float32Array.from(
      bodies.map((b) => ('halfHeight' in b.shape ? b.shape.halfHeight : 0)),
    );
    this.material = Float32Array.from(look.materials.flatMap((m) => [...m.base, ...m.second, m.frequency]));
    this.pattern = Uint8Array.from(look.materials.map((m) => PATTERN_CODE[m.pattern]));
  }

  /**
   * Draw one frame. With `motion`, pixels of bodies that did not move keep last frame's surface records,
   * and still bodies are rasterized once; `motion.still` must not change over the renderer's life.
   */
  render(geometry: FrameGeometry, shadow: ShadowMap, out: FrameChannels, motion?: FrameMotion): void {
    const target = this.target;
    if (!motion) {
      clearRasterTarget(target);
      rasterizeScene(target, this.camera, geometry, undefined, 1);
      this.surfaceTriangle.fill(EMPTY);
    } else {
      if (!this.stillLayer) {
        this.stillLayer = createRasterTarget(target.width, target.height);
        clearRasterTarget(this.stillLayer);
        rasterizeScene(this.stillLayer, this.camera, geometry, motion.still, 1);
      }
      copyRasterTarget(this.stillLayer, target);
      rasterizeScene(target, this.camera, geometry, motion.still, 0);
    }
    this.keepShadowFrame(shadow);
    const { mixedCount, renewedCount } = this.shade(geometry, shadow, motion?.moved, out.rgb);
    out.mask.set(this.mask);
    out.depth.set(this.depth);
    out.normals.set(this.normalBytes);
    resolveMixed(
      new Uint8ClampedArray(out.rgb.buffer, out.rgb.byteOffset, out.rgb.length),
      this.mixed,
      mixedCount,
      target.subTriangle,
      geometry.body,
      this.lit,
      this.litColor,
      this.shadedColor,
      this.sky,
      this.centerBody,
      target.width,
      target.height,
    );
    const { edges, mask, surfaceTriangle, normal } = this;
    const { width, height } = target;
    if (renewedCount > edges.length / 8) findEdges(edges, mask, surfaceTriangle, normal, width, height);
    else updateEdges(edges, mask, surfaceTriangle, normal, width, height, this.renewed, renewedCount);
    out.edges.set(edges);
  }

  /** Records made under another shadow-map frame would test the wrong texels: forget them. */
  private keepShadowFrame(shadow: ShadowMap): void {
    const frame = [shadow.size, shadow.u0, shadow.v0, shadow.texel, shadow.bias, ...shadow.u, ...shadow.v];
    frame.push(...shadow.direction);
    if (frame.length === this.shadowFrame.length && frame.every((x, i) => x === this.shadowFrame[i])) return;
    this.shadowFrame = frame;
    this.surfaceTriangle.fill(EMPTY);
  }

  /**
   * Every pixel center: renew its surface record where it is stale (another triangle, or its body moved;
   * without `moved`, everywhere), test it against the shadow map, and write its RGB when its four
   * subsamples see the same body; list the others (mixed) and the renewed pixels.
   */
  private shade(
    geometry: FrameGeometry,
    shadow: ShadowMap,
    moved: Uint8Array | undefined,
    rgb: Uint8Array,
  ): { mixedCount: number; renewedCount: number } {
    const { inverseDepth, triangle, subTriangle } = this.target;
    const {
      rays,
      sky,
      normal,
      centerBody,
      kind,
      radius,
      halfHeight,
      material,
      pattern,
      ids,
      surfaceTriangle,
      litColor,
      shadedColor,
      litRgb,
      shadedRgb,
      shadowTexel,
      lightDepth,
      lit,
      mask,
      depth,
      normalBytes,
      mixed,
      renewed,
    } = this;
    const { rotation: rot, position: pos, normals: faceNormals, body: bodyOf } = geometry;
    const [c0, c1, c2] = this.camera.position;
    const [lx, ly, lz] = this.look.lightDirection;
    const { ambient, lightIntensity } = this.look;
    const { size: mapSize, u0, v0, texel, bias, depth: shadowDepth } = shadow;
    const [su0, su1, su2] = shadow.u;
    const [sv0, sv1, sv2] = shadow.v;
    const [sd0, sd1, sd2] = shadow.direction;
    let mixedCount = 0;
    let renewedCount = 0;
    const n = inverseDepth.length;
    for (let p = 0; p < n; p++) {
      const t = triangle[p]!;
      let own = -1;
      if (t < 0) {
        if (surfaceTriangle[p] !== SKY) {
          surfaceTriangle[p] = SKY;
          renewed[renewedCount++] = p;
          centerBody[p] = -1;
          for (let c = 3 * p; c < 3 * p + 3; c++) {
            litColor[c] = shadedColor[c] = sky[c]!;
            litRgb[c] = shadedRgb[c] = toByte(litColor[c]! * 255);
            normal[c] = normalBytes[c] = 0;
          }
          mask[p] = 0;
          depth[p] = 0;
          shadowTexel[p] = -1;
        }
      } else {
        own = bodyOf[t]!;
        if (surfaceTriangle[p] !== t || moved === undefined || moved[own] !== 0) {
          const b = own;
          surfaceTriangle[p] = t;
          renewed[renewedCount++] = p;
          centerBody[p] = b;
          mask[p] = ids[b]!;
          const z = 1 / inverseDepth[p]!;
          depth[p] = z;
          const wx = c0 + z * rays[3 * p]!;
          const wy = c1 + z * rays[3 * p + 1]!;
          const wz = c2 + z * rays[3 * p + 2]!;
          // The point in the body's frame (R^T (x - position)).
          const m = b * 9;
          const dx = wx - pos[b * 3]!;
          const dy = wy - pos[b * 3 + 1]!;
          const dz = wz - pos[b * 3 + 2]!;
          const bx = rot[m]! * dx + rot[m + 3]! * dy + rot[m + 6]! * dz;
          const by = rot[m + 1]! * dx + rot[m + 4]! * dy + rot[m + 7]! * dz;
          const bz = rot[m + 2]! * dx + rot[m + 5]! * dy + rot[m + 8]! * dz;
          let nx = faceNormals[3 * t]!;
          let ny = faceNormals[3 * t + 1]!;
          let nz = faceNormals[3 * t + 2]!;
          const k = kind[b]!;
          if (k !== SHAPE_FLAT) {
            // Exact normals of curved surfaces, from the body-frame point; flat caps keep the face normal.
            let qx = bx;
            let qy = by;
            let qz = bz;
            let curved = true;
            if (k === SHAPE_CYLINDER) {
              curved = Math.abs(nx * rot[m + 1]! + ny * rot[m + 4]! + nz * rot[m + 7]!) < 0.99;
              qy = 0;
            } else if (k === SHAPE_CAPSULE) {
              const h = halfHeight[b]!;
              qy = by > h ? by - h : by < -h ? by + h : 0;
            }
            if (curved) {
              const len = Math.sqrt(qx * qx + qy * qy + qz * qz) || radius[b]!;
              qx /= len;
              qy /= len;
              qz /= len;
              nx = rot[m]! * qx + rot[m + 1]! * qy + rot[m + 2]! * qz;
              ny = rot[m + 3]! * qx + rot[m + 4]! * qy + rot[m + 5]! * qz;
              nz = rot[m + 6]! * qx + rot[m + 7]! * qy + rot[m + 8]! * qz;
            }
          }
          normal[3 * p] = nx;
          normal[3 * p + 1] = ny;
          normal[3 * p + 2] = nz;
          normalBytes[3 * p] = (nx + 1) * 127.5 + 0.5;
          normalBytes[3 * p + 1] = (ny + 1) * 127.5 + 0.5;
          normalBytes[3 * p + 2] = (nz + 1) * 127.5 + 0.5;
          const mat = b * 7;
          const mix = patternMix(pattern[b]!, material[mat + 6]!, bx, by, bz);
          const facing = -(nx * lx + ny * ly + nz * lz);
          let texelIndex = -1;
          let full = ambient;
          if (facing > 0) {
            full = ambient + lightIntensity * facing;
            // The shadow-map texel under the point (nearest), and the point's depth along the light.
            const iu = Math.floor((wx * su0 + wy * su1 + wz * su2 - u0) / texel);
            const iv = Math.floor((wx * sv0 + wy * sv1 + wz * sv2 - v0) / texel);
            if (iu >= 0 && iv >= 0 && iu < mapSize && iv < mapSize) texelIndex = iv * mapSize + iu;
            lightDepth[p] = roundUpToFloat32(wx * sd0 + wy * sd1 + wz * sd2 - bias);
          }
          shadowTexel[p] = texelIndex;
          for (let c = 0; c < 3; c++) {
            const albedo = material[mat + c]! + (material[mat + 3 + c]! - material[mat + c]!) * mix;
            const q = 3 * p + c;
            litColor[q] = albedo * full;
            shadedColor[q] = albedo * ambient;
            litRgb[q] = toByte(litColor[q]! * 255);
            shadedRgb[q] = toByte(shadedColor[q]! * 255);
          }
        }
      }
      const s = shadowTexel[p]!;
      const inLight = s < 0 || !(lightDepth[p]! > shadowDepth[s]!);
      lit[p] = inLight ? 1 : 0;
      const q = 4 * p;
      const t0 = subTriangle[q]!;
      const t1 = subTriangle[q + 1]!;
      const t2 = subTriangle[q + 2]!;
      const t3 = subTriangle[q + 3]!;
      if (
        (t0 < 0 ? -1 : bodyOf[t0]!) === own &&
        (t1 < 0 ? -1 : bodyOf[t1]!) === own &&
        (t2 < 0 ? -1 : bodyOf[t2]!) === own &&
        (t3 < 0 ? -1 : bodyOf[t3]!) === own
      ) {
        const from = inLight ? litRgb : shadedRgb;
        rgb[3 * p] = from[3 * p]!;
        rgb[3 * p + 1] = from[3 * p + 1]!;
        rgb[3 * p + 2] = from[3 * p + 2]!;
      } else {
        mixed[mixedCount++] = p;
      }
    }
    return { mixedCount, renewedCount };
  }
}

function copyRasterTarget(from: RasterTarget, to: RasterTarget): void {
  to.inverseDepth.set(from.inverseDepth);
  to.triangle.set(from.triangle);
  to.subInverseDepth.set(from.subInverseDepth);
  to.subTriangle.set(from.subTriangle);
}

/**
 * What a Uint8ClampedArray store makes of v: clamped to [0, 255], rounded half to even. (Here as code, since
 * V8 does such a store from a double far slower than this.)
 */
function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  let r = Math.floor(v + 0.5);
  if (r - v === 0.5 && (r & 1) === 1) r -= 1;
  return r;
}

const bits = new Float32Array(1);
const bitsInt = new Int32Array(bits.buffer);

/**
 * The least float32 not below x. For every float32 d, `roundUpToFloat32(x) > d` exactly when `x > d`, so the
 * shadow test on a float32 record matches the test on the double it came from.
 */
export function roundUpToFloat32(x: number): number {
  const f = Math.fround(x);
  if (!(f < x)) return f;
  if (f === 0) return 1.401298464324817e-45;
  bits[0] = f;
  bitsInt[0] = bitsInt[0]! + (f > 0 ? 1 : -1);
  return bits[0]!;
}
