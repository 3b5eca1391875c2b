import type { WorldSpec } from '../world.js';
import type { ScenarioOptions } from './builder.js';
import { dominoes } from './dominoes.js';
import { freeFall } from './free-fall.js';
import { gyroscope } from './gyroscope.js';
import { mix } from './mix.js';
import { push } from './push.js';
import { seesaw } from './seesaw.js';
import { tiltedSlope, uSlope } from './slopes.js';
import { stableStack, unstableStack } from './stacks.js';

export type { ScenarioOptions } from './builder.js';
export type { PushPolicy } from './push.js';

export interface Scenario {
  name: string;
  description: string;
  /** One of the eight of the physics-alignment protocol. */
  physicsSuite: boolean;
  generate(seed: number, options: ScenarioOptions): WorldSpec;
}

/** Every scenario, in the order `orbis sim list` shows them. One line each. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'free-fall',
    physicsSuite: true,
    generate: freeFall,
    description: 'one to three objects dropped from rest',
  },
  {
    name: 'tilted-slope',
    physicsSuite: true,
    generate: tiltedSlope,
    description: 'a ball rolls or a block slides down a ramp',
  },
  {
    name: 'u-slope',
    physicsSuite: true,
    generate: uSlope,
    description: 'a ball rolls to and fro between two facing ramps',
  },
  {
    name: 'stable-stack',
    physicsSuite: true,
    generate: stableStack,
    description: 'a tower of aligned blocks that stands',
  },
  {
    name: 'unstable-stack',
    physicsSuite: true,
    generate: unstableStack,
    description: 'a tower of offset blocks that topples',
  },
  {
    name: 'dominoes',
    physicsSuite: true,
    generate: dominoes,
    description: 'a row of dominoes, the first tipped over',
  },
  {
    name: 'seesaw',
    physicsSuite: true,
    generate: seesaw,
    description: 'a hinged plank tips under objects dropped on one side',
  },
  {
    name: 'gyroscope',
    physicsSuite: true,
    generate: gyroscope,
    description: 'a spinning disc rolls on its rim and precesses',
  },
  {
    name: 'push',
    physicsSuite: false,
    generate: push,
    description: 'an end effector pushes objects on a table under 7-D actions',
  },
  {
    name: 'mix',
    physicsSuite: false,
    generate: mix,
    description: 'random objects dropped and thrown into a walled pen',
  },
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
