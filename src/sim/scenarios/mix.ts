import { fromEuler, type Vec3 } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';
import { randomObject } from './objects.js';

/** Four to nine random objects in a walled pen: some dropped, some thrown, all colliding. */
export function mix(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'mix');
  const world = new WorldBuilder('mix', seed);
  const size = 1.3;
  for (const [x, z, hx, hz] of [
    [size, 0, 0.05, size],
    [-size, 0, 0.05, size],
    [0, size, size, 0.05],
    [0, -size, size, 0.05],
  ] as const) {
    world.add({
      role: 'wall',
      shape: { kind: 'box', half: [hx, 0.12, hz] },
      motion: 'fixed',
      position: [x, 0.12, z],
      furniture: true,
      restitution: 0.4,
    });
  }
  const count = random.int(4, 9);
  for (let i = 0; i < count; i++) {
    const object = randomObject(random, random.range(0.15, 0.3));
    const thrown = random.next() < 0.5;
    // Objects start on distinct levels, so none starts inside another.
    const position: Vec3 = [random.range(-0.9, 0.9), 0.35 + i * 0.3, random.range(-0.9, 0.9)];
    const linvel: Vec3 = thrown
      ? [
          -position[0] * random.range(1, 3) + random.range(-1, 1),
          random.range(0, 2),
          -position[2] * random.range(1, 3) + random.range(-1, 1),
        ]
      : [0, 0, 0];
    world.add({
      ...object,
      motion: 'dynamic',
      position,
      rotation: fromEuler(random.range(-3, 3), random.range(-3, 3), random.range(-3, 3)),
      linvel,
      angvel: [random.range(-3, 3), random.range(-3, 3), random.range(-3, 3)],
      restitution: random.range(0.1, 0.6),
      friction: random.range(0.3, 0.8),
    });
  }
  return world.build([0, 0.3, 0], 3.4);
}
