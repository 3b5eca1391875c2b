import assert from 'node:assert/strict';
import test from 'node:test';
import type { LoadedPredictor, PhysicsCase } from './physics.js';
import { copyLastPredictor } from './physics-baselines.js';
import { runPhysicsEval } from './physics-eval.js';
import { multiverseLines, physicsTable } from './physics-table.js';
import { movingSquare } from './testing/squares.js';

const clip = (): PhysicsCase => ({
  scenario: 'unstable-stack',
  seed: 0,
  view: 0,
  caption: 'a white block',
  ...movingSquare(0.7),
  objects: [2],
});

/** Futures that go different ways: sample i moves at speed 0.3 i. */
const multiverse: LoadedPredictor = {
  name: 'multiverse',
  predict: async (input) => Array.from({ length: input.samples }, (_, i) => movingSquare(0.3 * i).frames),
};

test('spread: identical futures are 100 dB / IoU 1 apart, diverging futures are not', async () => {
  const same = await runPhysicsEval(copyLastPredictor(), [clip()], { conditioningFrames: 1, samples: 4 });
  assert.equal(same.cases[0]!.pairPsnr, 100);
  assert.equal(same.cases[0]!.pairIou, 1);
  assert.equal(same.cases[0]!.futures.length, 4);

  const apart = await runPhysicsEval(multiverse, [clip()], { conditioningFrames: 1, samples: 4 });
  const c = apart.cases[0]!;
  assert.ok(c.pairPsnr < 40, `pair PSNR ${c.pairPsnr}`);
  assert.ok(c.pairIou < 0.7, `pair IoU ${c.pairIou}`);
  assert.equal(apart.mean.pairIou, c.pairIou);
  assert.equal(apart.rows[0]!.pairPsnr, c.pairPsnr);
  // Each future scored on its own: the slowest (still) one is furthest from the truth at 0.7 px a frame.
  const ious = c.futures.map((f) => f.iou);
  assert.ok(ious[0]! < ious[2]!, `${ious}`);
  assert.ok(Math.abs(c.iou - ious.reduce((a, b) => a + b, 0) / 4) < 1e-12);

  const table = physicsTable(apart).join('\n');
  assert.match(table, /pair PSNR\s+pair IoU\nunstable-stack/);
  assert.match(table, /\nmean .*\ntracker IoU/);
  const one = await runPhysicsEval(multiverse, [clip()], { conditioningFrames: 1, samples: 1 });
  assert.ok(Number.isNaN(one.cases[0]!.pairPsnr));
  assert.doesNotMatch(physicsTable(one).join('\n'), /pair PSNR/);

  const lines = multiverseLines(apart).join('\n');
  assert.match(
    lines,
    /unstable-stack seed 0 view 0: spread pair PSNR [\d.]+ dB, pair IoU [\d.]+, 4 distinct of 4/,
  );
  assert.match(lines, /future 3 {2}PSNR/);
});
