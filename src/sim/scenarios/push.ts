import { createRandom, type Random } from '../random.js';
import { ACTION_SIZE, type BodySpec, type WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';
import { randomObject } from './objects.js';

const TABLE_TOP = 0.4;
const TABLE_HALF: [number, number] = [0.8, 0.6];
const PALM_HEIGHT = TABLE_TOP + 0.13;

export type PushPolicy = 'scripted' | 'random';

/**
 * A table with two to four objects and a kinematic end effector (a palm and two fingers) driven by a 7-D
 * action per frame: palm xyz and roll/pitch/yaw deltas, and a gripper opening in [0, 1]. The scripted policy
 * goes behind one object, pushes it across the table and closes the gripper; the random policy is a smooth
 * random walk over the table with random turns and gripper changes. Even seeds script, odd seeds wander,
 * unless `policy` says otherwise.
 */
export function push(seed: number, options: ScenarioOptions & { policy?: PushPolicy }): WorldSpec {
  const random = createRandom(seed, 'push');
  const world = new WorldBuilder('push', seed);
  world.add({
    role: 'table',
    shape: { kind: 'box', half: [TABLE_HALF[0], TABLE_TOP / 2, TABLE_HALF[1]] },
    motion: 'fixed',
    position: [0, TABLE_TOP / 2, 0],
    friction: 0.5,
    furniture: true,
  });
  const count = random.int(2, 4);
  const objects: BodySpec[] = [];
  const taken: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const object = randomObject(random, 0.14);
    const shape = object.shape.kind === 'capsule' ? { kind: 'sphere' as const, radius: 0.07 } : object.shape;
    const role = object.shape.kind === 'capsule' ? ('ball' as const) : object.role;
    const lift =
      shape.kind === 'sphere'
        ? shape.radius
        : shape.kind === 'box'
          ? shape.half[1]
          : shape.kind === 'cylinder'
            ? shape.halfHeight
            : 0.07;
    const [x, z] = freeSpot(random, taken, 0.2);
    const id = world.add({
      role,
      shape,
      motion: 'dynamic',
      position: [x, TABLE_TOP + lift + 0.001, z],
      friction: 0.4,
      density: 400,
    });
    objects.push(world.bodies[id - 1]!);
  }
  const start: [number, number, number] = [random.range(-0.5, 0.5), PALM_HEIGHT, random.range(0.3, 0.45)];
  const palm = world.add({
    role: 'gripper',
    shape: { kind: 'box', half: [0.07, 0.015, 0.04] },
    motion: 'kinematic',
    position: start,
  });
  const fingers: [number, number] = [0, 1].map((k) =>
    world.add({
      role: 'finger',
      shape: { kind: 'box', half: [0.012, 0.05, 0.03] },
      motion: 'kinematic',
      position: [start[0] + (k === 0 ? -0.06 : 0.06), start[1] - 0.06, start[2]],
    }),
  ) as [number, number];
  const policy = options.policy ?? (seed % 2 === 0 ? 'scripted' : 'random');
  const target = random.pick(objects);
  const actions =
    policy === 'scripted'
      ? scriptedActions(random, options.frames, start, target.position)
      : randomActions(random, options.frames, start);
  world.effector = { palm, fingers, actions, fingerSpan: [0.025, 0.06], policy };
  world.notes.policy = policy;
  world.notes.target = target.id;
  return world.build([0, TABLE_TOP, 0], 1.8);
}

/** Move behind `target` (seen from the start), then push through it, closing the gripper at the end. */
function scriptedActions(
  random: Random,
  frames: number,
  start: [number, number, number],
  target: [number, number, number],
): Float32Array {
  const actions = new Float32Array(frames * ACTION_SIZE);
  const dx = target[0] - start[0];
  const dz = target[2] - start[2];
  const len = Math.hypot(dx, dz) || 1;
  const ux = dx / len;
  const uz = dz / len;
  const behind = [target[0] - ux * 0.16, target[2] - uz * 0.16];
  const through = random.range(0.25, 0.4);
  const approach = Math.max(1, Math.floor(frames * 0.35));
  const pushing = Math.max(1, Math.floor(frames * 0.45));
  let x = start[0];
  let z = start[2];
  for (let f = 1; f < frames; f++) {
    let tx = x;
    let tz = z;
    if (f <= approach) {
      const s = f / approach;
      tx = start[0] + (behind[0]! - start[0]) * s;
      tz = start[2] + (behind[1]! - start[2]) * s;
    } else if (f <= approach + pushing) {
      const s = (f - approach) / pushing;
      tx = behind[0]! + ux * (0.16 + through) * s;
      tz = behind[1]! + uz * (0.16 + through) * s;
    }
    const o = f * ACTION_SIZE;
    actions[o] = tx - x;
    actions[o + 2] = tz - z;
    actions[o + 6] = f > approach + pushing ? 0 : 1;
    x = tx;
    z = tz;
  }
  actions[6] = 1;
  return actions;
}

/** A smooth random walk kept over the table, with small random turns and gripper changes. */
function randomActions(random: Random, frames: number, start: [number, number, number]): Float32Array {
  const actions = new Float32Array(frames * ACTION_SIZE);
  let x = start[0];
  let z = start[2];
  let vx = 0;
  let vz = 0;
  let yawRate = 0;
  let gripper = 1;
  for (let f = 1; f < frames; f++) {
    vx = 0.85 * vx + random.normal(0, 0.004) - 0.01 * x;
    vz = 0.85 * vz + random.normal(0, 0.004) - 0.01 * z;
    const nx = Math.max(-TABLE_HALF[0] + 0.1, Math.min(TABLE_HALF[0] - 0.1, x + vx));
    const nz = Math.max(-TABLE_HALF[1] + 0.1, Math.min(TABLE_HALF[1] - 0.1, z + vz));
    yawRate = 0.9 * yawRate + random.normal(0, 0.01);
    if (random.next() < 0.03) gripper = gripper > 0.5 ? 0 : 1;
    const o = f * ACTION_SIZE;
    actions[o] = nx - x;
    actions[o + 1] = 0;
    actions[o + 2] = nz - z;
    actions[o + 5] = yawRate;
    actions[o + 6] = gripper;
    x = nx;
    z = nz;
  }
  actions[6] = 1;
  return actions;
}

/** A spot on the table at least `gap` meters from every spot taken so far (best of 50 tries). */
function freeSpot(random: Random, taken: [number, number][], gap: number): [number, number] {
  let best: [number, number] = [0, 0];
  let bestDistance = -1;
  for (let i = 0; i < 50 && bestDistance < gap; i++) {
    const spot: [number, number] = [random.range(-0.45, 0.45), random.range(-0.3, 0.2)];
    const distance = Math.min(Infinity, ...taken.map(([x, z]) => Math.hypot(x - spot[0], z - spot[1])));
    if (distance > bestDistance) {
      best = spot;
      bestDistance = distance;
    }
  }
  taken.push(best);
  return best;
}
