import { axisAngle } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';

/**
 * A tower of 3 to 5 blocks. Stable: each block sits within a tenth of its width of the one below. Unstable:
 * each block is shifted the same way by 30 to 45 percent of its width, so the blocks above some level have
 * their center of mass beyond the edge that supports them, and the tower topples.
 */
function stack(scenario: 'stable-stack' | 'unstable-stack', seed: number): WorldSpec {
  const random = createRandom(seed, scenario);
  const world = new WorldBuilder(scenario, seed);
  const count = random.int(3, 5);
  const direction = random.range(0, 2 * Math.PI);
  const dx = Math.cos(direction);
  const dz = Math.sin(direction);
  let x = 0;
  let z = 0;
  let y = 0;
  let width = random.range(0.16, 0.22);
  for (let i = 0; i < count; i++) {
    const half = width / 2;
    const height = random.range(0.08, 0.12);
    if (i > 0) {
      const shift = scenario === 'stable-stack' ? random.range(-0.1, 0.1) * width : random.range(0.3, 0.45) * width;
      const sideways = scenario === 'stable-stack' ? random.range(-0.1, 0.1) * width : 0;
      x += shift * dx - sideways * dz;
      z += shift * dz + sideways * dx;
    }
    world.add({
      role: 'block',
      shape: { kind: 'box', half: [half, height, half] },
      motion: 'dynamic',
      position: [x, y + height + 0.0005, z],
      rotation: axisAngle([0, 1, 0], -direction + (scenario === 'stable-stack' ? random.range(-0.1, 0.1) : 0)),
      friction: 0.8,
      restitution: 0,
    });
    y += 2 * height + 0.001;
    width *= random.range(0.85, 1);
  }
  world.notes.blocks = count;
  return world.build([x / 2, y / 2, z / 2], 1.8 + 1.5 * y);
}

export function stableStack(seed: number, _options: ScenarioOptions): WorldSpec {
  return stack('stable-stack', seed);
}

export function unstableStack(seed: number, _options: ScenarioOptions): WorldSpec {
  return stack('unstable-stack', seed);
}
