import type { Camera } from './camera.js';
import { clipNear } from './clip-near.js';
import type { FrameGeometry } from './frame-geometry.js';
import type { Look } from './look.js';
import { clearRasterTarget, createRasterTarget, type RasterTarget, rasterizeTriangle } from './rasterizer.js';
import { lightAt, type ShadowMap } from './shadow-map.js';
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
const CREASE_COS = 0.8;

/** Draws frames of one world through one camera in one look. */
export class ViewRenderer {
  private readonly target: RasterTarget;
  private readonly rays: Float32Array;
  private readonly sky: Float32Array;
  private readonly color: Float32Array;
  private readonly centerBody: Int32Array;
  private readonly normal: Float32Array;
  private readonly ids: Uint8Array;
  private readonly kind: Uint8Array;
  private readonly radius: Float32Array;
  private readonly halfHeight: Float32Array;
  private readonly material: Float32Array;
  private readonly pattern: Uint8Array;
  /** The body of every triangle of the frame being drawn. */
  private bodyOf: Int32Array = new Int32Array(0);
  /** Pixels whose subsamples see more than one surface, found by shade() for resolve(). */
  private readonly mixed: Int32Array;
  private mixedCount = 0;

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
    this.centerBody = new Int32Array(n);
    this.normal = new Float32Array(3 * n);
    this.mixed = new Int32Array(n);
    const r = camera.rotation;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const a = (x + 0.5 - camera.cx) / camera.fx;
        const b = (y + 0.5 - camera.cy) / camera.fy;
        const dx = r[0]! * a + r[3]! * b + r[6]!;
        const dy = r[1]! * a + r[4]! * b + r[7]!;
        const dz = r[2]! * a + r[5]! * b + r[8]!;
        this.rays.set([dx, dy, dz], 3 * p);
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

  render(geometry: FrameGeometry, shadow: ShadowMap, out: FrameChannels): void {
    this.bodyOf = geometry.body;
    this.rasterize(geometry);
    this.shade(geometry, shadow, out);
    this.resolve(out);
    this.findEdges(out);
  }

  /** Cull back faces, clip at the near plane, project and rasterize every triangle. */
  private rasterize(geometry: FrameGeometry): void {
    const target = this.target;
    clearRasterTarget(target);
    const { rotation: r, position: c, fx, fy, cx, cy, near } = this.camera;
    const [r0, r1, r2, r3, r4, r5, r6, r7, r8] = r as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const [c0, c1, c2] = c;
    const tri = geometry.triangles;
    const nrm = geometry.normals;
    const cam = new Float64Array(9);
    const poly = new Float64Array(12);
    const screen = new Float64Array(12);
    for (let t = 0; t < geometry.count; t++) {
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

  /**
   * Color, mask, depth and normal at every pixel center. A pixel whose four subsamples all see its own
   * surface gets its final RGB here; the others are listed for resolve().
   */
  private shade(geometry: FrameGeometry, shadow: ShadowMap, out: FrameChannels): void {
    const { inverseDepth, triangle, subTriangle } = this.target;
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
      bodyOf,
      mixed,
    } = this;
    // Writing a number into a clamped view rounds and clamps it to a byte in one store.
    const rgb = new Uint8ClampedArray(out.rgb.buffer, out.rgb.byteOffset, out.rgb.length);
    const { mask, depth, normals: normalBytes } = out;
    let mixedCount = 0;
    const { rotation: rot, position: pos, normals: faceNormals, body: triBody } = geometry;
    const [c0, c1, c2] = this.camera.position;
    const [lx, ly, lz] = this.look.lightDirection;
    const { ambient, lightIntensity } = this.look;
    const n = inverseDepth.length;
    for (let p = 0; p < n; p++) {
      const t = triangle[p]!;
      let own = -1;
      if (t < 0) {
        color[3 * p] = sky[3 * p]!;
        color[3 * p + 1] = sky[3 * p + 1]!;
        color[3 * p + 2] = sky[3 * p + 2]!;
        mask[p] = 0;
        depth[p] = 0;
        normal[3 * p] = normal[3 * p + 1] = normal[3 * p + 2] = 0;
        normalBytes[3 * p] = normalBytes[3 * p + 1] = normalBytes[3 * p + 2] = 0;
      } else {
        const b = triBody[t]!;
        own = b;
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
        const light = ambient + (facing > 0 ? lightIntensity * facing * lightAt(shadow, wx, wy, wz) : 0);
        color[3 * p] = (material[mat]! + (material[mat + 3]! - material[mat]!) * mix) * light;
        color[3 * p + 1] = (material[mat + 1]! + (material[mat + 4]! - material[mat + 1]!) * mix) * light;
        color[3 * p + 2] = (material[mat + 2]! + (material[mat + 5]! - material[mat + 2]!) * mix) * light;
      }
      centerBody[p] = own;
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
        rgb[3 * p] = color[3 * p]! * 255;
        rgb[3 * p + 1] = color[3 * p + 1]! * 255;
        rgb[3 * p + 2] = color[3 * p + 2]! * 255;
      } else {
        mixed[mixedCount++] = p;
      }
    }
    this.mixedCount = mixedCount;
  }

  /**
   * RGB of the pixels whose subsamples see more than one surface: the mean color of the four subsamples,
   * where a subsample on another surface borrows the color of the nearest pixel whose center sees it.
   */
  private resolve(out: FrameChannels): void {
    const { width, height } = this.camera;
    const { subTriangle } = this.target;
    const { color, centerBody, sky, bodyOf, mixed } = this;
    const rgb = new Uint8ClampedArray(out.rgb.buffer, out.rgb.byteOffset, out.rgb.length);
    for (let i = 0; i < this.mixedCount; i++) {
      const p = mixed[i]!;
      const x = p % width;
      const y = (p - x) / width;
      const own = centerBody[p]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let s = 0; s < 4; s++) {
        const t = subTriangle[4 * p + s]!;
        const body = t < 0 ? -1 : bodyOf[t]!;
        const from = body < 0 && own >= 0 ? sky : color;
        const at = body === own || body < 0 ? p : neighborWith(centerBody, width, height, x, y, body, p);
        r += from[3 * at]!;
        g += from[3 * at + 1]!;
        b += from[3 * at + 2]!;
      }
      rgb[3 * p] = (r / 4) * 255;
      rgb[3 * p + 1] = (g / 4) * 255;
      rgb[3 * p + 2] = (b / 4) * 255;
    }
  }

  /**
   * Occlusion boundaries (the instance changes) and creases (the normal turns by more than ~37 degrees),
   * against the right and lower pixel. Every body is convex, so a depth jump inside one body cannot happen.
   */
  private findEdges(out: FrameChannels): void {
    const { width, height } = this.camera;
    const { mask, edges } = out;
    const n = this.normal;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const last = y + 1 === height;
      for (let x = 0; x < width; x++) {
        const p = row + x;
        const m = mask[p]!;
        let edge = 0;
        if (x + 1 < width) {
          const q = p + 1;
          if (m !== mask[q]) edge = 255;
          else if (
            m !== 0 &&
            n[3 * p]! * n[3 * q]! + n[3 * p + 1]! * n[3 * q + 1]! + n[3 * p + 2]! * n[3 * q + 2]! < CREASE_COS
          )
            edge = 255;
        }
        if (edge === 0 && !last) {
          const q = p + width;
          if (m !== mask[q]) edge = 255;
          else if (
            m !== 0 &&
            n[3 * p]! * n[3 * q]! + n[3 * p + 1]! * n[3 * q + 1]! + n[3 * p + 2]! * n[3 * q + 2]! < CREASE_COS
          )
            edge = 255;
        }
        edges[p] = edge;
      }
    }
  }
}

const NEIGHBORS = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
  [-1, -1],
  [1, -1],
  [-1, 1],
  [1, 1],
] as const;

/** The nearest pixel around (x, y) whose center sees `body`; `fallback` when none does. */
function neighborWith(
  centerBody: Int32Array,
  width: number,
  height: number,
  x: number,
  y: number,
  body: number,
  fallback: number,
): number {
  for (const [dx, dy] of NEIGHBORS) {
    const nx = x + dx;
    const ny = y + dy;
    if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
    const q = ny * width + nx;
    if (centerBody[q] === body) return q;
  }
  return fallback;
}
