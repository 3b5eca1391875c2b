import { normalize, type Vec3 } from './math3.js';
import { createRandom, type Random } from './random.js';
import type { WorldSpec } from './world.js';

/**
 * Appearance, separate from physics: a look assigns each body a material, and sets the sky and the light.
 * Looks are seeded by (world seed, look index), so one rollout renders in many looks, and a look never
 * changes what is where: masks and depth are the same in every look.
 */

export type Pattern = 'solid' | 'checker' | 'stripes' | 'noise';
export const PATTERNS: readonly Pattern[] = ['solid', 'checker', 'stripes', 'noise'];

export interface Material {
  /** The color a caption names, e.g. "red". */
  colorName: string;
  base: Vec3;
  second: Vec3;
  pattern: Pattern;
  /** Pattern cycles per meter. */
  frequency: number;
}

export interface Look {
  index: number;
  /** Materials in `world.bodies` order. */
  materials: Material[];
  skyTop: Vec3;
  skyHorizon: Vec3;
  /** Unit direction the light travels (from the light toward the scene). */
  lightDirection: Vec3;
  lightIntensity: number;
  ambient: number;
}

const NAMED: [string, Vec3][] = [
  ['red', [0.85, 0.15, 0.12]],
  ['orange', [0.95, 0.5, 0.1]],
  ['yellow', [0.95, 0.85, 0.15]],
  ['green', [0.2, 0.7, 0.25]],
  ['teal', [0.1, 0.6, 0.6]],
  ['blue', [0.15, 0.35, 0.9]],
  ['purple', [0.55, 0.25, 0.75]],
  ['pink', [0.95, 0.5, 0.7]],
  ['white', [0.92, 0.92, 0.9]],
  ['black', [0.1, 0.1, 0.12]],
];

const MUTED: [string, Vec3][] = [
  ['gray', [0.55, 0.55, 0.55]],
  ['beige', [0.78, 0.72, 0.6]],
  ['brown', [0.5, 0.36, 0.24]],
  ['slate', [0.4, 0.45, 0.5]],
  ['sand', [0.85, 0.78, 0.62]],
  ['olive', [0.5, 0.52, 0.35]],
];

function jitter(random: Random, color: Vec3, amount: number): Vec3 {
  return color.map((c) => Math.min(1, Math.max(0, c + random.range(-amount, amount)))) as Vec3;
}

function shade(color: Vec3, factor: number): Vec3 {
  return color.map((c) => Math.min(1, c * factor)) as Vec3;
}

export function makeLook(world: WorldSpec, index: number): Look {
  const random = createRandom(world.seed, `${world.scenario}/look/${index}`);
  // Objects take distinct named colors in a shuffled order, so captions can tell them apart.
  const order = NAMED.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  const materials = world.bodies.map((body): Material => {
    if (body.role === 'gripper' || body.role === 'finger') {
      // The robot looks the same in every look: a light metal gray.
      return {
        colorName: 'gray',
        base: [0.7, 0.72, 0.75],
        second: [0.5, 0.52, 0.55],
        pattern: 'solid',
        frequency: 1,
      };
    }
    if (body.furniture) {
      const [name, color] = random.pick(MUTED);
      const base = jitter(random, color, 0.06);
      return {
        colorName: name,
        base,
        second: shade(base, random.range(0.6, 0.85)),
        pattern: body.role === 'floor' ? random.pick(['checker', 'noise', 'stripes']) : random.pick(PATTERNS),
        frequency: body.role === 'floor' ? random.range(1, 3) : random.range(3, 8),
      };
    }
    const [name, color] = NAMED[order[next++ % order.length]!]!;
    const base = jitter(random, color, 0.05);
    const pattern = random.next() < 0.5 ? 'solid' : random.pick(PATTERNS);
    return {
      colorName: name,
      base,
      second: shade(base, random.range(0.45, 0.75)),
      pattern,
      frequency: random.range(6, 16),
    };
  });
  const azimuth = random.range(0, 2 * Math.PI);
  const elevation = random.range(0.7, 1.3);
  return {
    index,
    materials,
    skyTop: jitter(random, [0.35, 0.55, 0.85], 0.15),
    skyHorizon: jitter(random, [0.8, 0.85, 0.9], 0.1),
    lightDirection: normalize([
      -Math.cos(elevation) * Math.sin(azimuth),
      -Math.sin(elevation),
      -Math.cos(elevation) * Math.cos(azimuth),
    ]),
    lightIntensity: random.range(0.65, 0.95),
    ambient: random.range(0.25, 0.4),
  };
}
