import { type Mat3, quatToMatrix } from './math3.js';
import { meshOf } from './mesh.js';
import { POSE_SIZE, type Rollout } from './world.js';

/** Every body's mesh placed in the world at one frame of a rollout; shared by all views and looks. */
export interface FrameGeometry {
  /** Triangles: 9 numbers each (three world-space corners). */
  triangles: Float32Array;
  /** World-space face normals: 3 per triangle. */
  normals: Float32Array;
  /** The body (index into world.bodies) of each triangle. */
  body: Int32Array;
  count: number;
  /** Per body: rotation matrix (9, row-major, body to world) and position (3). */
  rotation: Float64Array;
  position: Float64Array;
}

/** Place every mesh at `frame`; `reuse` (the previous frame's geometry of the same rollout) lends its buffers. */
export function frameGeometry(rollout: Rollout, frame: number, reuse?: FrameGeometry): FrameGeometry {
  const bodies = rollout.world.bodies;
  const meshes = bodies.map((b) => meshOf(b.shape));
  const count = meshes.reduce((n, m) => n + m.count, 0);
  const fits = reuse?.count === count;
  const triangles = fits ? reuse.triangles : new Float32Array(count * 9);
  const normals = fits ? reuse.normals : new Float32Array(count * 3);
  const body = fits ? reuse.body : new Int32Array(count);
  const rotation = fits ? reuse.rotation : new Float64Array(bodies.length * 9);
  const position = fits ? reuse.position : new Float64Array(bodies.length * 3);
  let t = 0;
  for (let b = 0; b < bodies.length; b++) {
    const o = (frame * bodies.length + b) * POSE_SIZE;
    const p = rollout.poses;
    const px = p[o]!;
    const py = p[o + 1]!;
    const pz = p[o + 2]!;
    const m = quatToMatrix([p[o + 3]!, p[o + 4]!, p[o + 5]!, p[o + 6]!]);
    rotation.set(m, b * 9);
    position.set([px, py, pz], b * 3);
    const mesh = meshes[b]!;
    const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m as Mat3;
    for (let k = 0; k < mesh.count; k++, t++) {
      for (let v = 0; v < 3; v++) {
        const s = k * 9 + v * 3;
        const x = mesh.triangles[s]!;
        const y = mesh.triangles[s + 1]!;
        const z = mesh.triangles[s + 2]!;
        const d = t * 9 + v * 3;
        triangles[d] = m0 * x + m1 * y + m2 * z + px;
        triangles[d + 1] = m3 * x + m4 * y + m5 * z + py;
        triangles[d + 2] = m6 * x + m7 * y + m8 * z + pz;
      }
      const nx = mesh.normals[k * 3]!;
      const ny = mesh.normals[k * 3 + 1]!;
      const nz = mesh.normals[k * 3 + 2]!;
      normals[t * 3] = m0 * nx + m1 * ny + m2 * nz;
      normals[t * 3 + 1] = m3 * nx + m4 * ny + m5 * nz;
      normals[t * 3 + 2] = m6 * nx + m7 * ny + m8 * nz;
      body[t] = b;
    }
  }
  return { triangles, normals, body, count, rotation, position };
}
