import type { Camera } from './camera.js';
import { findEdges } from './edges.js';
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
 * Each pixel keeps a record of the surface its center saw last frame: the triangle, and everything about
 * that point that does not depend on the shadow map (depth, normal, texture color, how squarely it faces
 * the light, where it falls in the shadow map). When the center sees the same triangle again and its body
 * has not moved, the record is exact for this frame too, and shading is one shadow-map test and a multiply.
 * The camera and the light are fixed for a renderer's life, so most of a frame (floor, walls, sky, bodies
 * at rest) is drawn from records; only pixels of moving bodies are shaded from scratch.
 */
export class ViewRenderer {
  private readonly target: RasterTarget;
  private readonly rays: Float32Array;
  private readonly sky: Float32Array;
  private readonly color: Float32Array;
  private readonly ids: Uint8Array;
  private readonly kind: Uint8Array;
  private readonly radius: Float32Array;
  private readonly halfHeight: Float32Array;
  private readonly material: Float32Array;
  private readonly pattern: Uint8Array;
  /** Pixels whose subsamples see more than one surface, found by shade() for resolve(). */
  private readonly mixed: Int32Array;
  private mixedCount = 0;
  // The per-pixel surface records (see the class comment), and the channels they give, kept between frames.
  private readonly surfaceTriangle: Int32Array;
  private readonly centerBody: Int32Array;
  private readonly albedo: Float64Array;
  private readonly normal: Float32Array;
  private readonly facingLight: Float64Array;
  private readonly shadowTexel: Int32Array;
  private readonly lightDepth: Float64Array;
  private readonly mask: Uint8Array;
  private readonly depth: Float32Array;
  private readonly normalBytes: Uint8Array;
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
    this.color = new Float32Array(3 * n);
    this.mixed = new Int32Array(n);
    this.surfaceTriangle = new Int32Array(n).fill(EMPTY);
    this.centerBody = new Int32Array(n).fill(-1);
    this.albedo = new Float64Array(3 * n);
    this.normal = new Float32Array(3 * n);
    this.facingLight = new Float64Array(n);
    this.shadowTexel = new Int32Array(n);
    this.lightDepth = new Float64Array(n);
    this.mask = new Uint8Array(n);
    this.depth = new Float32Array(n);
    this.normalBytes = new Uint8Array(3 * n);
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
    this.shade(geometry, shadow, motion?.moved);
    out.mask.set(this.mask);
    out.depth.set(this.depth);
    out.normals.set(this.normalBytes);
    const rgb = new Uint8ClampedArray(out.rgb.buffer, out.rgb.byteOffset, out.rgb.length);
    this.finishRgb(rgb, geometry.body);
    resolveMixed(
      rgb,
      this.mixed,
      this.mixedCount,
      target.subTriangle,
      geometry.body,
      this.color,
      this.sky,
      this.centerBody,
      target.width,
      target.height,
    );
    findEdges(out.edges, this.mask, target.triangle, this.normal, target.width, target.height);
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
   * Color at every pixel center, and mask, depth and normals where the center's surface record is renewed.
   * `moved` (per body) says whose records are stale; without it every record is renewed.
   */
  private shade(geometry: FrameGeometry, shadow: ShadowMap, moved: Uint8Array | undefined): void {
    const { inverseDepth, triangle } = this.target;
    const {
      rays,
      sky,
      color,
      normal,
      centerBody,
      kind,
      radius,
      halfHeight,
      material,
      pattern,
      ids,
      surfaceTriangle,
      albedo,
      facingLight,
      shadowTexel,
      lightDepth,
      mask,
      depth,
      normalBytes,
    } = this;
    const { rotation: rot, position: pos, normals: faceNormals, body: triBody } = geometry;
    const [c0, c1, c2] = this.camera.position;
    const [lx, ly, lz] = this.look.lightDirection;
    const { ambient, lightIntensity } = this.look;
    const { size: mapSize, u0, v0, texel, bias, depth: shadowDepth } = shadow;
    const [su0, su1, su2] = shadow.u;
    const [sv0, sv1, sv2] = shadow.v;
    const [sd0, sd1, sd2] = shadow.direction;
    const n = inverseDepth.length;
    for (let p = 0; p < n; p++) {
      const t = triangle[p]!;
      if (t < 0) {
        if (surfaceTriangle[p] !== SKY) {
          surfaceTriangle[p] = SKY;
          centerBody[p] = -1;
          color[3 * p] = sky[3 * p]!;
          color[3 * p + 1] = sky[3 * p + 1]!;
          color[3 * p + 2] = sky[3 * p + 2]!;
          mask[p] = 0;
          depth[p] = 0;
          normal[3 * p] = normal[3 * p + 1] = normal[3 * p + 2] = 0;
          normalBytes[3 * p] = normalBytes[3 * p + 1] = normalBytes[3 * p + 2] = 0;
        }
        continue;
      }
      const b = triBody[t]!;
      if (surfaceTriangle[p] !== t || moved === undefined || moved[b] !== 0) {
        surfaceTriangle[p] = t;
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
        albedo[3 * p] = material[mat]! + (material[mat + 3]! - material[mat]!) * mix;
        albedo[3 * p + 1] = material[mat + 1]! + (material[mat + 4]! - material[mat + 1]!) * mix;
        albedo[3 * p + 2] = material[mat + 2]! + (material[mat + 5]! - material[mat + 2]!) * mix;
        const facing = -(nx * lx + ny * ly + nz * lz);
        let texelIndex = -1;
        if (facing > 0) {
          // The shadow-map texel under the point (nearest), and the point's depth along the light.
          const iu = Math.floor((wx * su0 + wy * su1 + wz * su2 - u0) / texel);
          const iv = Math.floor((wx * sv0 + wy * sv1 + wz * sv2 - v0) / texel);
          if (iu >= 0 && iv >= 0 && iu < mapSize && iv < mapSize) texelIndex = iv * mapSize + iu;
          lightDepth[p] = wx * sd0 + wy * sd1 + wz * sd2 - bias;
          facingLight[p] = lightIntensity * facing;
        } else {
          facingLight[p] = 0;
        }
        shadowTexel[p] = texelIndex;
      }
      const s = shadowTexel[p]!;
      const light = s >= 0 && lightDepth[p]! > shadowDepth[s]! ? ambient : ambient + facingLight[p]!;
      color[3 * p] = albedo[3 * p]! * light;
      color[3 * p + 1] = albedo[3 * p + 1]! * light;
      color[3 * p + 2] = albedo[3 * p + 2]! * light;
    }
  }

  /**
   * RGB of every pixel whose four subsamples see the surface its center sees; the others are listed in
   * `mixed` for resolveMixed().
   */
  private finishRgb(rgb: Uint8ClampedArray, bodyOf: Int32Array): void {
    const { subTriangle } = this.target;
    const { color, centerBody, mixed } = this;
    let mixedCount = 0;
    const n = centerBody.length;
    for (let p = 0; p < n; p++) {
      const own = centerBody[p]!;
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
        // Writing a number into a clamped view rounds and clamps it to a byte in one store.
        rgb[3 * p] = color[3 * p]! * 255;
        rgb[3 * p + 1] = color[3 * p + 1]! * 255;
        rgb[3 * p + 2] = color[3 * p + 2]! * 255;
      } else {
        mixed[mixedCount++] = p;
      }
    }
    this.mixedCount = mixedCount;
  }
}

function copyRasterTarget(from: RasterTarget, to: RasterTarget): void {
  to.inverseDepth.set(from.inverseDepth);
  to.triangle.set(from.triangle);
  to.subInverseDepth.set(from.subInverseDepth);
  to.subTriangle.set(from.subTriangle);
}
