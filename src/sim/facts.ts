import { quatToMatrix } from './math3.js';
import { poseOf, type Rollout } from './world.js';

/**
 * What happened in a rollout, read off its ground truth: the structured answers that physical question
 * answering checks, and the raw material of captions. Body references are mask ids.
 */
export interface RolloutFacts {
  /** Movable bodies in order of their first touch of the floor (or of what they landed on), with the frame. */
  landings: { id: number; frame: number }[];
  /** First contacts between two movable bodies, by frame. */
  hits: { frame: number; a: number; b: number }[];
  /** How far each movable body's center moved from the first frame to the last, in meters. */
  displacement: Record<string, number>;
  /** Stacks: whether any block dropped by more than half its height. */
  stackFell?: boolean;
  /** Seesaw: which end went down. */
  seesawTips?: 'left' | 'right' | 'none';
  /** Dominoes: how many ended tilted more than 45 degrees. */
  dominoesFallen?: number;
  /** Gyroscope: the frame the disc lay flat (axis within 30 degrees of vertical), or null if it kept spinning. */
  toppledAt?: number | null;
  /** Push: the object the scripted policy aimed at, and how far it moved. */
  pushTarget?: { id: number; moved: number };
}

export function readFacts(rollout: Rollout): RolloutFacts {
  const { world, frames } = rollout;
  const bodies = world.bodies;
  const movable = new Set(bodies.filter((b) => b.motion === 'dynamic' && !b.furniture).map((b) => b.id));
  const fixedIds = new Set(bodies.filter((b) => b.motion !== 'dynamic').map((b) => b.id));
  const landings: RolloutFacts['landings'] = [];
  const landed = new Set<number>();
  for (const c of rollout.contacts) {
    for (const [self, other] of [
      [c.a, c.b],
      [c.b, c.a],
    ] as const) {
      if (
        movable.has(self) &&
        !landed.has(self) &&
        fixedIds.has(other) &&
        bodies[other - 1]?.role !== 'gripper' &&
        bodies[other - 1]?.role !== 'finger'
      ) {
        landed.add(self);
        landings.push({ id: self, frame: c.frame });
      }
    }
  }
  const hits = rollout.contacts.filter((c) => movable.has(c.a) && movable.has(c.b) && c.frame > 0);
  const last = frames - 1;
  const displacement: Record<string, number> = {};
  for (const [i, b] of bodies.entries()) {
    if (!movable.has(b.id)) continue;
    const p0 = poseOf(rollout, 0, i).position;
    const p1 = poseOf(rollout, last, i).position;
    displacement[b.id] = round(Math.hypot(p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]));
  }
  const facts: RolloutFacts = { landings, hits, displacement };
  const scenario = world.scenario;
  if (scenario === 'stable-stack' || scenario === 'unstable-stack') {
    facts.stackFell = bodies.some((b, i) => {
      if (b.role !== 'block' || b.shape.kind !== 'box') return false;
      return poseOf(rollout, 0, i).position[1] - poseOf(rollout, last, i).position[1] > b.shape.half[1];
    });
  }
  if (scenario === 'seesaw') {
    const i = bodies.findIndex((b) => b.role === 'plank');
    const m = quatToMatrix(poseOf(rollout, last, i).rotation);
    const slope = m[3]!; // world y of the plank's +x axis
    facts.seesawTips = Math.abs(slope) < 0.02 ? 'none' : slope > 0 ? 'left' : 'right';
  }
  if (scenario === 'dominoes') {
    facts.dominoesFallen = bodies.filter(
      (b, i) => b.role === 'domino' && quatToMatrix(poseOf(rollout, last, i).rotation)[4]! < Math.SQRT1_2,
    ).length;
  }
  if (scenario === 'gyroscope') {
    const i = bodies.findIndex((b) => b.role === 'top');
    let at: number | null = null;
    for (let f = 0; f < frames && at === null; f++) {
      if (Math.abs(quatToMatrix(poseOf(rollout, f, i).rotation)[4]!) > Math.cos(Math.PI / 6)) at = f;
    }
    facts.toppledAt = at;
  }
  if (scenario === 'push' && typeof world.notes.target === 'number') {
    const id = world.notes.target;
    facts.pushTarget = { id, moved: displacement[id] ?? 0 };
  }
  return facts;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
