import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFacts } from './facts.js';
import { simulate } from './physics.js';
import { findScenario, SCENARIOS } from './scenarios/index.js';

const FRAMES = 72;

async function factsOf(scenario: string, seed: number) {
  const world = findScenario(scenario)!.generate(seed, { frames: FRAMES, fps: 24 });
  return { world, facts: readFacts(await simulate(world, FRAMES, 24)) };
}

test('every scenario builds a world with a floor, movable bodies and unique ids', () => {
  assert.equal(SCENARIOS.length, 10);
  assert.equal(SCENARIOS.filter((s) => s.physicsSuite).length, 8);
  for (const s of SCENARIOS) {
    const world = s.generate(0, { frames: 10, fps: 24 });
    assert.equal(world.bodies[0]!.role, 'floor');
    assert.deepEqual(
      world.bodies.map((b) => b.id),
      world.bodies.map((_, i) => i + 1),
    );
    assert.ok(
      world.bodies.some((b) => b.motion === 'dynamic'),
      s.name,
    );
  }
});

test('stable stacks stand and unstable stacks fall', async () => {
  for (const seed of [0, 1, 2]) {
    assert.equal((await factsOf('stable-stack', seed)).facts.stackFell, false, `stable seed ${seed}`);
    assert.equal((await factsOf('unstable-stack', seed)).facts.stackFell, true, `unstable seed ${seed}`);
  }
});

test('the seesaw tips toward the side the objects fell on; dominoes fall in turn', async () => {
  for (const seed of [0, 1, 2]) {
    const { world, facts } = await factsOf('seesaw', seed);
    assert.equal(facts.seesawTips, world.notes.loadedSide, `seesaw seed ${seed}`);
    const dominoes = await factsOf('dominoes', seed);
    assert.ok(
      dominoes.facts.dominoesFallen! >= 3,
      `dominoes seed ${seed}: ${dominoes.facts.dominoesFallen} fell`,
    );
  }
});

test('push: the scripted policy moves its target; actions are 7-D per frame', async () => {
  const world = findScenario('push')!.generate(0, { frames: FRAMES, fps: 24 });
  assert.equal(world.effector!.policy, 'scripted');
  assert.equal(world.effector!.actions.length, FRAMES * 7);
  const facts = readFacts(await simulate(world, FRAMES, 24));
  assert.ok(facts.pushTarget!.moved > 0.1, `target moved ${facts.pushTarget!.moved} m`);
  const random = findScenario('push')!.generate(1, { frames: FRAMES, fps: 24 });
  assert.equal(random.effector!.policy, 'random');
  assert.notDeepEqual(random.effector!.actions, world.effector!.actions);
});
