import type { Random } from '../random.js';
import type { Role, Shape } from '../world.js';

/** A random small object: a ball, block, cylinder or capsule of about `size` meters. */
export function randomObject(random: Random, size = 0.2): { role: Role; shape: Shape } {
  const s = size * random.range(0.8, 1.25);
  switch (random.int(0, 3)) {
    case 0:
      return { role: 'ball', shape: { kind: 'sphere', radius: s / 2 } };
    case 1:
      return {
        role: 'block',
        shape: {
          kind: 'box',
          half: [
            (s / 2) * random.range(0.7, 1.3),
            (s / 2) * random.range(0.7, 1.3),
            (s / 2) * random.range(0.7, 1.3),
          ],
        },
      };
    case 2:
      return {
        role: 'cylinder',
        shape: { kind: 'cylinder', radius: s / 2, halfHeight: (s / 2) * random.range(0.6, 1.4) },
      };
    default:
      return {
        role: 'capsule',
        shape: { kind: 'capsule', radius: s / 3, halfHeight: (s / 2) * random.range(0.5, 1) },
      };
  }
}
