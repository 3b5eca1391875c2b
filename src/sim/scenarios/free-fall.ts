import { fromEuler } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';
import { randomObject } from './objects.js';

/** One to three objects released at rest from different heights; the first is always a ball. */
export function freeFall(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'free-fall');
  const world = new WorldBuilder('free-fall', seed);
  const count = random.int(1, 3);
  for (let i = 0; i < count; i++) {
    const object =
      i === 0
        ? { role: 'ball' as const, shape: { kind: 'sphere' as const, radius: random.range(0.1, 0.16) } }
        : randomObject(random, 0.25);
    world.add({
      ...object,
      motion: 'dynamic',
      position: [
        (i - (count - 1) / 2) * 0.7 + random.range(-0.1, 0.1),
        random.range(1.0, 1.7),
        random.range(-0.2, 0.2),
      ],
      rotation:
        i === 0
          ? undefined
          : fromEuler(random.range(-0.6, 0.6), random.range(-3, 3), random.range(-0.6, 0.6)),
      restitution: random.range(0.1, 0.6),
    });
  }
  return world.build([0, 0.7, 0], 2.6);
}
