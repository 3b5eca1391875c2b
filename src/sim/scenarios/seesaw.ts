import { axisAngle } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';
import { randomObject } from './objects.js';

/**
 * A plank on a hinge (a revolute joint about z on a fixed pivot); one or two objects fall on one side,
 * sometimes a lighter one on the other, and the plank tips toward the heavier moment.
 */
export function seesaw(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'seesaw');
  const world = new WorldBuilder('seesaw', seed);
  const pivotHeight = random.range(0.22, 0.3);
  const pivot = world.add({
    role: 'pivot',
    shape: { kind: 'cylinder', radius: 0.06, halfHeight: 0.2 },
    motion: 'fixed',
    position: [0, pivotHeight - 0.06, 0],
    rotation: axisAngle([1, 0, 0], Math.PI / 2),
    furniture: true,
  });
  const plankHalf = random.range(0.8, 1.1);
  const plank = world.add({
    role: 'plank',
    shape: { kind: 'box', half: [plankHalf, 0.03, 0.16] },
    motion: 'dynamic',
    position: [0, pivotHeight + 0.03, 0],
    density: 300,
  });
  world.joints.push({
    kind: 'revolute',
    a: pivot,
    b: plank,
    anchorA: [0, 0, -0.06],
    anchorB: [0, -0.03, 0],
    axis: [0, 1, 0],
  });
  // The pivot cylinder lies along world z (its local y); its local -z is world up, so the hinge is on its top.
  const side = random.next() < 0.5 ? -1 : 1;
  const heavy = random.int(1, 2);
  for (let i = 0; i < heavy; i++) {
    const object = randomObject(random, 0.2);
    world.add({
      ...object,
      motion: 'dynamic',
      position: [
        side * plankHalf * random.range(0.55, 0.9),
        random.range(0.9, 1.6) + i * 0.4,
        random.range(-0.05, 0.05),
      ],
      density: 900,
    });
  }
  if (random.next() < 0.4) {
    world.add({
      role: 'ball',
      shape: { kind: 'sphere', radius: 0.06 },
      motion: 'dynamic',
      position: [-side * plankHalf * random.range(0.3, 0.6), pivotHeight + 0.3, 0],
      density: 200,
    });
  }
  world.notes.loadedSide = side < 0 ? 'left' : 'right';
  return world.build([0, 0.4, 0], 2.8);
}
