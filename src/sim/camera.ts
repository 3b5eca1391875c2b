import { cross, normalize, sub, type Vec3 } from './math3.js';
import { createRandom } from './random.js';
import type { WorldSpec } from './world.js';

/**
 * A pinhole camera in OpenCV's convention: camera x right, y down, z forward; world-to-camera
 * `x_cam = R (x_world - position)`; a pixel (u, v) has its center at (u + 0.5, v + 0.5) in the continuous
 * image coordinates that fx, fy, cx, cy refer to.
 */
export interface Camera {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** World-to-camera rotation, row-major 3x3. */
  rotation: number[];
  /** Camera center in world coordinates. */
  position: Vec3;
  near: number;
}

export const VIEWS = 4;
const FOV_DEGREES = 50;

export function lookAt(position: Vec3, target: Vec3, width: number, height: number): Camera {
  const forward = normalize(sub(target, position));
  const right = normalize(cross(forward, [0, 1, 0]));
  const down = cross(forward, right);
  const f = width / 2 / Math.tan((FOV_DEGREES * Math.PI) / 360);
  return {
    width,
    height,
    fx: f,
    fy: f,
    cx: width / 2,
    cy: height / 2,
    rotation: [...right, ...down, ...forward],
    position,
    near: 0.05,
  };
}

/**
 * The four views of a world: around its focus a quarter turn apart, with a seeded jitter of azimuth,
 * elevation and distance so views differ between seeds but view k always looks from the same side.
 */
export function worldViews(world: WorldSpec, width: number, height: number): Camera[] {
  const random = createRandom(world.seed, `${world.scenario}/views`);
  const cameras: Camera[] = [];
  for (let k = 0; k < VIEWS; k++) {
    const azimuth = ((30 + 90 * k + random.range(-12, 12)) * Math.PI) / 180;
    const elevation = (random.range(16, 32) * Math.PI) / 180;
    const distance = world.viewDistance * random.range(0.95, 1.08);
    const [fx, fy, fz] = world.focus;
    const position: Vec3 = [
      fx + distance * Math.cos(elevation) * Math.sin(azimuth),
      fy + distance * Math.sin(elevation),
      fz + distance * Math.cos(elevation) * Math.cos(azimuth),
    ];
    cameras.push(lookAt(position, world.focus, width, height));
  }
  return cameras;
}

/** Project a world point: pixel coordinates (continuous) and depth along the optical axis. */
export function project(camera: Camera, point: Vec3): { u: number; v: number; z: number } {
  const r = camera.rotation;
  const d = sub(point, camera.position);
  const x = r[0]! * d[0] + r[1]! * d[1] + r[2]! * d[2];
  const y = r[3]! * d[0] + r[4]! * d[1] + r[5]! * d[2];
  const z = r[6]! * d[0] + r[7]! * d[1] + r[8]! * d[2];
  return { u: (camera.fx * x) / z + camera.cx, v: (camera.fy * y) / z + camera.cy, z };
}

/** Intrinsics as a 3x3 matrix and extrinsics as 3x4 [R | t], both row-major, for the ground-truth files. */
export function cameraMatrices(camera: Camera): { K: number[]; Rt: number[] } {
  const r = camera.rotation;
  const p = camera.position;
  const t = [0, 1, 2].map((i) => -(r[3 * i]! * p[0] + r[3 * i + 1]! * p[1] + r[3 * i + 2]! * p[2]));
  return {
    K: [camera.fx, 0, camera.cx, 0, camera.fy, camera.cy, 0, 0, 1],
    Rt: [r[0]!, r[1]!, r[2]!, t[0]!, r[3]!, r[4]!, r[5]!, t[1]!, r[6]!, r[7]!, r[8]!, t[2]!],
  };
}
