import { axisAngle, type Quat, type Vec3 } from '../math3.js';
import { createRandom, type Random } from '../random.js';
import type { Role, Shape, WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';

/**
 * A ramp rising toward its local -x. Returns the world point on the slope at fraction `along` (0 bottom,
 * 1 top) lifted `clearance` meters along the slope's normal, and the slope's tilt about z.
 */
function rampPoint(
  center: Vec3,
  half: Vec3,
  mirrored: boolean,
  along: number,
  clearance: number,
): { point: Vec3; tilt: number } {
  const [hx, hy] = half;
  const x = hx - 2 * hx * along;
  const y = -x * (hy / hx);
  const n = Math.hypot(hx, hy);
  const local: Vec3 = [x + (hy / n) * clearance, y + (hx / n) * clearance, 0];
  const sign = mirrored ? -1 : 1;
  return {
    point: [center[0] + sign * local[0], center[1] + local[1], center[2]],
    tilt: sign * -Math.atan2(hy, hx),
  };
}

function slider(random: Random): { role: Role; shape: Shape; friction: number } {
  if (random.next() < 0.5)
    return { role: 'ball', shape: { kind: 'sphere', radius: random.range(0.08, 0.13) }, friction: 0.6 };
  const s = random.range(0.07, 0.11);
  return {
    role: 'block',
    shape: { kind: 'box', half: [s, s * random.range(0.6, 1), s] },
    friction: random.range(0.05, 0.3),
  };
}

/** An object released near the top of a ramp tilted 12 to 35 degrees: a ball rolls, a block slides or sticks. */
export function tiltedSlope(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'tilted-slope');
  const world = new WorldBuilder('tilted-slope', seed);
  const angle = (random.range(12, 35) * Math.PI) / 180;
  const hx = random.range(0.7, 1);
  const half: Vec3 = [hx, hx * Math.tan(angle), 0.35];
  const center: Vec3 = [0.3, half[1], 0];
  world.add({
    role: 'ramp',
    shape: { kind: 'ramp', half },
    motion: 'fixed',
    position: center,
    friction: 0.5,
    furniture: true,
  });
  const object = slider(random);
  const size =
    object.shape.kind === 'sphere'
      ? object.shape.radius
      : object.shape.kind === 'box'
        ? object.shape.half[1]
        : 0.1;
  const { point, tilt } = rampPoint(center, half, false, random.range(0.7, 0.9), size + 0.005);
  world.add({ ...object, motion: 'dynamic', position: point, rotation: axisAngle([0, 0, 1], tilt) as Quat });
  world.add({
    role: 'wall',
    shape: { kind: 'box', half: [0.05, 0.12, 0.6] },
    motion: 'fixed',
    position: [1.9, 0.12, 0],
    furniture: true,
  });
  world.notes.slopeDegrees = Math.round((angle * 180) / Math.PI);
  return world.build([0.6, 0.3, 0], 2.8);
}

/** Two ramps facing each other with a flat stretch between; a ball released high on one side rolls to and fro. */
export function uSlope(seed: number, _options: ScenarioOptions): WorldSpec {
  const random = createRandom(seed, 'u-slope');
  const world = new WorldBuilder('u-slope', seed);
  const angle = (random.range(18, 32) * Math.PI) / 180;
  const hx = random.range(0.7, 0.9);
  const half: Vec3 = [hx, hx * Math.tan(angle), 0.3];
  const gap = random.range(0.2, 0.6);
  const left: Vec3 = [-(gap / 2 + hx), half[1], 0];
  const right: Vec3 = [gap / 2 + hx, half[1], 0];
  world.add({
    role: 'ramp',
    shape: { kind: 'ramp', half },
    motion: 'fixed',
    position: left,
    friction: 0.6,
    furniture: true,
  });
  world.add({
    role: 'ramp',
    shape: { kind: 'ramp', half },
    motion: 'fixed',
    position: right,
    rotation: axisAngle([0, 1, 0], Math.PI),
    friction: 0.6,
    furniture: true,
  });
  const radius = random.range(0.08, 0.12);
  const fromLeft = random.next() < 0.5;
  const { point } = rampPoint(
    fromLeft ? left : right,
    half,
    !fromLeft,
    random.range(0.6, 0.85),
    radius + 0.005,
  );
  world.add({
    role: 'ball',
    shape: { kind: 'sphere', radius },
    motion: 'dynamic',
    position: point,
    restitution: 0.2,
  });
  world.notes.startSide = fromLeft ? 'left' : 'right';
  return world.build([0, 0.3, 0], 3.2);
}
