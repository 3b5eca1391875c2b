import { axisAngle, type Vec3 } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';

/** A row of 5 to 9 dominoes along a gentle curve; the first is tipped toward the second. */
export function dominoes(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'dominoes');
  const world = new WorldBuilder('dominoes', seed);
  const count = random.int(5, 9);
  const half: Vec3 = [0.02, random.range(0.16, 0.22), random.range(0.07, 0.1)];
  const spacing = random.range(0.5, 0.75) * 2 * half[1];
  const bend = random.range(-0.15, 0.15);
  let heading = random.range(-0.3, 0.3);
  let x = (-(count - 1) * spacing) / 2;
  let z = 0;
  for (let i = 0; i < count; i++) {
    world.add({
      role: 'domino',
      shape: { kind: 'box', half },
      motion: 'dynamic',
      position: [x, half[1] + 0.0005, z],
      rotation: axisAngle([0, 1, 0], -heading),
      ...(i === 0 ? { angvel: tipToward(heading, random.range(2.5, 4)) } : {}),
      friction: 0.5,
      restitution: 0,
      density: 700,
    });
    x += spacing * Math.cos(heading);
    z += spacing * Math.sin(heading);
    heading += bend;
  }
  world.notes.dominoes = count;
  return world.build([0, 0.15, z / 2], 2.2);
}

/** The angular velocity that tips an upright body over toward the horizontal heading (radians from +x). */
function tipToward(heading: number, rate: number): Vec3 {
  return [rate * Math.sin(heading), 0, -rate * Math.cos(heading)];
}
