import type { Quat, Vec3 } from './math3.js';

/**
 * The physical description of a world, before any look is chosen: bodies with shapes, masses and surface
 * properties, joints, and what drives the kinematic ones. A scenario generator returns one of these for a
 * seed; the physics turns it into a rollout; the renderer draws the rollout in any number of looks.
 */

export type Shape =
  | { kind: 'box'; half: Vec3 }
  | { kind: 'sphere'; radius: number }
  /** Axis along local y. */
  | { kind: 'cylinder'; radius: number; halfHeight: number }
  /** Axis along local y; halfHeight is the half length of the straight part. */
  | { kind: 'capsule'; radius: number; halfHeight: number }
  /** A wedge: the box [-half, half] cut by the plane through its bottom +x edge and top -x edge. */
  | { kind: 'ramp'; half: Vec3 };

export type Motion = 'dynamic' | 'fixed' | 'kinematic';

/** What a body is in the scene, in words a caption can use. */
export type Role =
  | 'floor'
  | 'wall'
  | 'table'
  | 'ramp'
  | 'ball'
  | 'block'
  | 'cylinder'
  | 'capsule'
  | 'domino'
  | 'plank'
  | 'pivot'
  | 'top'
  | 'gripper'
  | 'finger';

export interface BodySpec {
  /** Instance id in masks: 1 is the floor, bodies count up from there; 0 is the sky. */
  id: number;
  role: Role;
  shape: Shape;
  motion: Motion;
  position: Vec3;
  rotation: Quat;
  linvel?: Vec3;
  angvel?: Vec3;
  /** kg/m^3; default 500. */
  density?: number;
  friction?: number;
  restitution?: number;
  /** Scene furniture (floor, walls, table, ramps): colored as background by looks, left out of captions. */
  furniture?: boolean;
}

/**
 * A hinge between two bodies, e.g. a seesaw plank on its pivot. Anchors are in each body's frame, the axis
 * in body a's frame; the two bodies do not collide with each other.
 */
export interface JointSpec {
  kind: 'revolute';
  a: number;
  b: number;
  anchorA: Vec3;
  anchorB: Vec3;
  axis: Vec3;
}

/** The kinematic end effector of the push scenario and the 7-D action of each frame. */
export interface EffectorSpec {
  /** Body ids: the palm and its two fingers (fingers open along the palm's local x). */
  palm: number;
  fingers: [number, number];
  /** Per frame: dx, dy, dz (m), droll, dpitch, dyaw (rad), gripper opening in [0, 1]. */
  actions: Float32Array;
  /** How far each finger sits from the palm's center at opening 0 and 1. */
  fingerSpan: [number, number];
  policy: 'scripted' | 'random';
}

export interface WorldSpec {
  scenario: string;
  seed: number;
  bodies: BodySpec[];
  joints: JointSpec[];
  effector?: EffectorSpec;
  /** Where the cameras look, and how far they stand. */
  focus: Vec3;
  viewDistance: number;
  /** Scenario facts known from construction (e.g. which side of the seesaw was loaded). */
  notes: Record<string, string | number | boolean>;
}

/** Degrees of freedom stored per body per frame: position xyz, then rotation quaternion xyzw. */
export const POSE_SIZE = 7;
export const ACTION_SIZE = 7;

export interface Contact {
  frame: number;
  a: number;
  b: number;
}

/** A simulated rollout: every body's pose at every frame, the first contact of each pair, the actions. */
export interface Rollout {
  world: WorldSpec;
  fps: number;
  frames: number;
  /** [frames, bodies, 7] in `world.bodies` order. */
  poses: Float32Array;
  /** First frame at which each pair of bodies touched, in order of frame. */
  contacts: Contact[];
  /** [frames, 7] for the push scenario. */
  actions?: Float32Array;
}

export function poseOf(rollout: Rollout, frame: number, body: number): { position: Vec3; rotation: Quat } {
  const o = (frame * rollout.world.bodies.length + body) * POSE_SIZE;
  const p = rollout.poses;
  return {
    position: [p[o]!, p[o + 1]!, p[o + 2]!],
    rotation: [p[o + 3]!, p[o + 4]!, p[o + 5]!, p[o + 6]!],
  };
}
