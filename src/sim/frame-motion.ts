import { POSE_SIZE, type Rollout } from './world.js';

/**
 * Which bodies moved, so a renderer can keep what a still body drew: a body whose pose is bit for bit the
 * one it had before places the same triangles, so its pixels rasterize and shade to the same values.
 */
export interface FrameMotion {
  /** Per body: 1 where the pose differs from the previous frame's (every body at frame 0). */
  moved: Uint8Array;
  /** Per body: 1 where the pose is the same in every frame of the rollout (fixed furniture, mostly). */
  still: Uint8Array;
}

/** Per body, whether its pose never changes over the rollout. */
export function stillBodies(rollout: Rollout): Uint8Array {
  const count = rollout.world.bodies.length;
  const p = rollout.poses;
  const still = new Uint8Array(count).fill(1);
  for (let f = 1; f < rollout.frames; f++) {
    for (let b = 0; b < count; b++) {
      if (still[b] && !samePose(p, (f * count + b) * POSE_SIZE, b * POSE_SIZE)) still[b] = 0;
    }
  }
  return still;
}

/** Fill `moved` for frame `f` of the rollout. */
export function movedBodies(rollout: Rollout, f: number, moved: Uint8Array): Uint8Array {
  const count = rollout.world.bodies.length;
  for (let b = 0; b < count; b++) {
    moved[b] =
      f === 0 || !samePose(rollout.poses, (f * count + b) * POSE_SIZE, ((f - 1) * count + b) * POSE_SIZE)
        ? 1
        : 0;
  }
  return moved;
}

function samePose(p: Float32Array, a: number, b: number): boolean {
  for (let k = 0; k < POSE_SIZE; k++) if (p[a + k] !== p[b + k]) return false;
  return true;
}
