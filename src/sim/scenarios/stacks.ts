import { axisAngle } from '../math3.js';
import { createRandom } from '../random.js';
import type { WorldSpec } from '../world.js';
import { type ScenarioOptions, WorldBuilder } from './builder.js';

interface Block {
  half: number;
  height: number;
  /** Offset along the stack's lean direction (and sideways) from the bottom block. */
  along: number;
  side: number;
}

/**
 * A tower of 3 to 5 blocks. Stable: each block sits within a tenth of its width of the one below. Unstable:
 * each block is shifted the same way by 30 to 45 percent of its width, and the shifts grow until the blocks
 * above some level have their common center of mass beyond the edge of the block that carries them.
 */
function stack(scenario: 'stable-stack' | 'unstable-stack', seed: number): WorldSpec {
  const random = createRandom(seed, scenario);
  const world = new WorldBuilder(scenario, seed);
  const count = random.int(3, 5);
  const direction = random.range(0, 2 * Math.PI);
  const stable = scenario === 'stable-stack';
  const blocks: Block[] = [];
  let width = random.range(0.16, 0.22);
  for (let i = 0; i < count; i++) {
    blocks.push({
      half: width / 2,
      height: random.range(0.08, 0.12),
      along: i === 0 ? 0 : (stable ? random.range(-0.1, 0.1) : random.range(0.3, 0.45)) * width,
      side: i === 0 || !stable ? 0 : random.range(-0.1, 0.1) * width,
    });
    width *= random.range(0.85, 1);
  }
  while (!stable && !topples(blocks)) for (const b of blocks) b.along *= 1.1;
  const dx = Math.cos(direction);
  const dz = Math.sin(direction);
  let along = 0;
  let side = 0;
  let y = 0;
  for (const b of blocks) {
    along += b.along;
    side += b.side;
    world.add({
      role: 'block',
      shape: { kind: 'box', half: [b.half, b.height, b.half] },
      motion: 'dynamic',
      position: [along * dx - side * dz, y + b.height + 0.0005, along * dz + side * dx],
      rotation: axisAngle([0, 1, 0], -direction + (stable ? random.range(-0.1, 0.1) : 0)),
      friction: 0.8,
      restitution: 0,
    });
    y += 2 * b.height + 0.001;
  }
  world.notes.blocks = count;
  return world.build([(along * dx) / 2, y / 2, (along * dz) / 2], 1.1 + 1.3 * y);
}

/** Whether, at some level, the blocks above have their center of mass past the supporting block's edge. */
function topples(blocks: Block[]): boolean {
  const centers: number[] = [];
  let x = 0;
  for (const b of blocks) {
    x += b.along;
    centers.push(x);
  }
  for (let k = 0; k + 1 < blocks.length; k++) {
    let mass = 0;
    let moment = 0;
    for (let j = k + 1; j < blocks.length; j++) {
      const m = blocks[j]!.half * blocks[j]!.half * blocks[j]!.height;
      mass += m;
      moment += m * centers[j]!;
    }
    if (moment / mass - centers[k]! > blocks[k]!.half * 1.1) return true;
  }
  return false;
}

export function stableStack(seed: number, _options: ScenarioOptions): WorldSpec {
  return stack('stable-stack', seed);
}

export function unstableStack(seed: number, _options: ScenarioOptions): WorldSpec {
  return stack('unstable-stack', seed);
}
