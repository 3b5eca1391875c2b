import assert from 'node:assert/strict';
import test from 'node:test';
import type { LoadedPredictor, PhysicsCase } from './physics.js';
import { constantVelocityPredictor, copyLastPredictor } from './physics-baselines.js';
import { runPhysicsEval } from './physics-eval.js';
import { loadPhysicsPredictor } from './physics-registry.js';
import { physicsTable } from './physics-table.js';
import { movingSquare } from './testing/squares.js';

/** A synthetic clip: a white square (id 2) moving right `speed` px a frame, or still, on black. */
function clip(scenario: string, speed: number): PhysicsCase {
  const { frames, masks } = movingSquare(speed);
  return { scenario, seed: 0, view: 0, caption: 'a white block', frames, masks, objects: [2] };
}

test('copy-last is perfect on a still clip and falls on a moving one; constant velocity recovers it', async () => {
  const clips = [clip('still', 0), clip('moving', 0.7)];
  const copy = await runPhysicsEval(copyLastPredictor(), clips, { conditioningFrames: 9, samples: 4 });
  const [still, moving] = copy.rows;
  assert.equal(still!.psnr, 100);
  assert.ok(still!.iou > 0.99, `still ${still!.iou}`);
  assert.ok(moving!.iou < 0.3, `moving ${moving!.iou}`);
  assert.equal(copy.cases[0]!.distinctSamples, 1);
  const cv = await runPhysicsEval(constantVelocityPredictor(), clips, { conditioningFrames: 9, samples: 1 });
  assert.ok(cv.rows[1]!.iou > 0.8, `constant velocity ${cv.rows[1]!.iou}`);
  const lines = physicsTable(cv);
  assert.match(lines.join('\n'), /moving[\s\S]*\nmean/);
  assert.match(lines.join('\n'), /on their scenes, not ours/);
});

test('a failing predictor is recorded per clip, bad settings are refused', async () => {
  const broken: LoadedPredictor = { name: 'broken', predict: async () => [[]] };
  const report = await runPhysicsEval(broken, [clip('still', 0)], { conditioningFrames: 1, samples: 1 });
  assert.equal(report.errors.length, 1);
  assert.match(report.errors[0]!.error, /returned 0 frames/);
  await assert.rejects(
    runPhysicsEval(constantVelocityPredictor(), [], { conditioningFrames: 1, samples: 1 }),
    /cannot condition on 1/,
  );
  await assert.rejects(
    loadPhysicsPredictor('world-model-x', { loadTokenizer: async () => assert.fail() }),
    (e: Error & { hint?: string }) =>
      /unknown model "world-model-x"/.test(e.message) && /copy-last/.test(e.hint ?? ''),
  );
});
