import { axisAngle, mulQuat, rotate, type Vec3 } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';

/**
 * A disc standing on its rim, slightly tilted, spinning fast about the vertical and slowly rolling: the spin
 * keeps it up while it wobbles and precesses on the spot, until it loses energy and falls flat.
 */
export function gyroscope(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'gyroscope');
  const world = new WorldBuilder('gyroscope', seed);
  const radius = random.range(0.16, 0.24);
  const halfHeight = random.range(0.025, 0.04);
  const heading = random.range(0, 2 * Math.PI);
  const tilt = random.range(0.05, 0.2) * (random.next() < 0.5 ? -1 : 1);
  // Axis from y to horizontal (the disc on its rim), then tilted and turned to the heading.
  const rotation = mulQuat(
    axisAngle([0, 1, 0], heading),
    mulQuat(axisAngle([1, 0, 0], tilt), axisAngle([1, 0, 0], Math.PI / 2)),
  );
  const axis = rotate(rotation, [0, 1, 0]);
  const spin = random.range(12, 22) * (random.next() < 0.5 ? -1 : 1);
  const roll = random.range(1, 3);
  const angvel: Vec3 = [axis[0] * roll, spin + axis[1] * roll, axis[2] * roll];
  world.add({
    role: 'top',
    shape: { kind: 'cylinder', radius, halfHeight },
    motion: 'dynamic',
    position: [0, radius * Math.cos(tilt) + halfHeight * Math.abs(Math.sin(tilt)) + 0.002, 0],
    rotation,
    angvel,
    friction: 0.8,
    density: 1500,
  });
  world.notes.spin = Math.round(spin * 10) / 10;
  return world.build([0, 0.15, 0], 1.6);
}
