import type { Vec3 } from './math3.js';
import type { Shape } from './world.js';

/**
 * Triangle meshes of the body shapes, in the body's own frame, wound so each triangle's normal points out
 * (every shape here is convex, so winding is fixed against the center). `normals` holds each triangle's
 * face normal; curved shapes are shaded with their exact analytic normal instead.
 */
export interface Mesh {
  /** 9 numbers per triangle: three corners. */
  triangles: Float32Array;
  /** 3 numbers per triangle: the outward unit face normal. */
  normals: Float32Array;
  count: number;
}

const SEGMENTS = 20;
const RINGS = 10;

export function rampVertices(half: Vec3): Vec3[] {
  const [x, y, z] = half;
  return [
    [-x, -y, -z],
    [x, -y, -z],
    [x, -y, z],
    [-x, -y, z],
    [-x, y, -z],
    [-x, y, z],
  ];
}

function boxFaces(half: Vec3): Vec3[][] {
  const [x, y, z] = half;
  const c = (sx: number, sy: number, sz: number): Vec3 => [sx * x, sy * y, sz * z];
  return [
    [c(1, -1, -1), c(1, 1, -1), c(1, 1, 1), c(1, -1, 1)],
    [c(-1, -1, -1), c(-1, -1, 1), c(-1, 1, 1), c(-1, 1, -1)],
    [c(-1, 1, -1), c(-1, 1, 1), c(1, 1, 1), c(1, 1, -1)],
    [c(-1, -1, -1), c(1, -1, -1), c(1, -1, 1), c(-1, -1, 1)],
    [c(-1, -1, 1), c(1, -1, 1), c(1, 1, 1), c(-1, 1, 1)],
    [c(-1, -1, -1), c(-1, 1, -1), c(1, 1, -1), c(1, -1, -1)],
  ];
}

function rampFaces(half: Vec3): Vec3[][] {
  const [a, b, c, d, e, f] = rampVertices(half) as [Vec3, Vec3, Vec3, Vec3, Vec3, Vec3];
  return [
    [a, b, c, d],
    [a, d, f, e],
    [b, e, f, c],
    [a, e, b],
    [d, c, f],
  ];
}

/** A surface of revolution about y through the profile points (radius, height), closed by the end caps. */
function revolve(profile: [number, number][]): Vec3[][] {
  const faces: Vec3[][] = [];
  const at = (r: number, y: number, k: number): Vec3 => {
    const a = (2 * Math.PI * k) / SEGMENTS;
    return [r * Math.cos(a), y, r * Math.sin(a)];
  };
  for (let i = 0; i + 1 < profile.length; i++) {
    const [r0, y0] = profile[i]!;
    const [r1, y1] = profile[i + 1]!;
    for (let k = 0; k < SEGMENTS; k++) {
      const quad = [at(r0, y0, k), at(r0, y0, k + 1), at(r1, y1, k + 1), at(r1, y1, k)];
      faces.push(r0 === 0 ? [quad[0]!, quad[2]!, quad[3]!] : r1 === 0 ? quad.slice(0, 3) : quad);
    }
  }
  return faces;
}

function shapeFaces(shape: Shape): Vec3[][] {
  switch (shape.kind) {
    case 'box':
      return boxFaces(shape.half);
    case 'ramp':
      return rampFaces(shape.half);
    case 'cylinder': {
      const { radius: r, halfHeight: h } = shape;
      return revolve([
        [0, -h],
        [r, -h],
        [r, h],
        [0, h],
      ]);
    }
    case 'sphere':
    case 'capsule': {
      const r = shape.radius;
      const h = shape.kind === 'capsule' ? shape.halfHeight : 0;
      const profile: [number, number][] = [];
      for (let i = 0; i <= RINGS; i++) {
        const a = -Math.PI / 2 + (Math.PI * i) / RINGS;
        const y = r * Math.sin(a) + (i < RINGS / 2 ? -h : i > RINGS / 2 ? h : 0);
        profile.push([Math.abs(r * Math.cos(a)) < 1e-9 ? 0 : r * Math.cos(a), y]);
        if (h > 0 && i === RINGS / 2) profile.splice(profile.length - 1, 1, [r, -h], [r, h]);
      }
      return revolve(profile);
    }
  }
}

const cache = new Map<string, Mesh>();

export function meshOf(shape: Shape): Mesh {
  const key = JSON.stringify(shape);
  const hit = cache.get(key);
  if (hit) return hit;
  const tris: Vec3[][] = [];
  for (const face of shapeFaces(shape)) {
    for (let k = 1; k + 1 < face.length; k++) tris.push([face[0]!, face[k]!, face[k + 1]!]);
  }
  const triangles = new Float32Array(tris.length * 9);
  const normals = new Float32Array(tris.length * 3);
  let n = 0;
  for (const tri of tris) {
    let [a, b, c] = tri as [Vec3, Vec3, Vec3];
    let normal = faceNormal(a, b, c);
    if (!normal) continue; // degenerate (a pole's sliver)
    const center: Vec3 = [(a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3, (a[2] + b[2] + c[2]) / 3];
    if (normal[0] * center[0] + normal[1] * center[1] + normal[2] * center[2] < 0) {
      [b, c] = [c, b];
      normal = [-normal[0], -normal[1], -normal[2]];
    }
    triangles.set([...a, ...b, ...c], n * 9);
    normals.set(normal, n * 3);
    n++;
  }
  const mesh = { triangles: triangles.slice(0, n * 9), normals: normals.slice(0, n * 3), count: n };
  cache.set(key, mesh);
  return mesh;
}

function faceNormal(a: Vec3, b: Vec3, c: Vec3): Vec3 | undefined {
  const u: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const v: Vec3 = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  const n: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const len = Math.hypot(...n);
  return len < 1e-12 ? undefined : [n[0] / len, n[1] / len, n[2] / len];
}
