import assert from 'node:assert/strict';
import test from 'node:test';
import type { LoadedPredictor, PhysicsCase } from './physics.js';
import { constantVelocityPredictor, copyLastPredictor } from './physics-baselines.js';
import { runPhysicsEval } from './physics-eval.js';
import { loadPhysicsPredictor } from './physics-registry.js';
import { overTimeLine, physicsTable } from './physics-table.js';
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

test('IoU over time: frame by frame, its mean is the IoU, futures weighed as in the table, spans printed', async () => {
  const moving = clip('moving', 0.7);
  const copy = await runPhysicsEval(copyLastPredictor(), [moving, clip('still', 0)], {
    conditioningFrames: 9,
    samples: 2,
  });
  const curve = copy.cases[0]!.iouOverTime;
  assert.equal(curve.length, 33 - 9);
  assert.ok(Math.abs(curve.reduce((a, b) => a + b, 0) / curve.length - copy.cases[0]!.iou) < 1e-12);
  // The copied square falls behind the moving one: its overlap shrinks frame by frame.
  assert.ok(curve[0]! > 0.7 && curve.at(-1)! === 0, `copy-last curve ${curve[0]} .. ${curve.at(-1)}`);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i]! <= curve[i - 1]!, `frame ${i}`);
  assert.deepEqual(copy.rows[0]!.iouOverTime, curve);
  copy.mean.iouOverTime.forEach((v, i) => {
    assert.ok(Math.abs(v - (curve[i]! + copy.rows[1]!.iouOverTime[i]!) / 2) < 1e-12, `mean frame ${i}`);
  });

  // One future true, one the last frame copied: each frame's IoU is the mean of the two's.
  const truth: LoadedPredictor = {
    name: 'truth',
    readsTruth: true,
    predict: async (input) => [input.truth!],
  };
  const halves: LoadedPredictor = {
    name: 'halves',
    readsTruth: true,
    predict: async (input) => [
      input.truth!,
      (await copyLastPredictor().predict({ ...input, samples: 1 }))[0]!,
    ],
  };
  const options = { conditioningFrames: 9, samples: 1 };
  const truthCurve = (await runPhysicsEval(truth, [moving], options)).cases[0]!.iouOverTime;
  const half = (await runPhysicsEval(halves, [moving], { ...options, samples: 2 })).cases[0]!;
  assert.equal(half.distinctSamples, 2);
  half.iouOverTime.forEach((v, i) => {
    assert.ok(Math.abs(v - (truthCurve[i]! + curve[i]!) / 2) < 1e-12, `frame ${i}: ${v}`);
  });
  assert.ok(truthCurve.every((v) => v > 0.9));

  assert.equal(
    overTimeLine(
      [...Array(24).keys()].map((i) => (i < 8 ? 0.5 : i < 16 ? 0.25 : 0)),
      9,
    ),
    'IoU over time, frames 10-17 0.500 | 18-25 0.250 | 26-33 0.000',
  );
  assert.equal(
    overTimeLine(Array(32).fill(1), 1),
    'IoU over time, frames 2-9 1.000 | 10-17 1.000 | 18-25 1.000 | 26-33 1.000',
  );
  assert.equal(overTimeLine([], 1), undefined);
  assert.match(physicsTable(copy).join('\n'), /IoU over time, frames 10-17 /);
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
