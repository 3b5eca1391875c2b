import assert from 'node:assert/strict';
import test from 'node:test';
import { type ActionCase, type ActionSequence, actionTable, runActionEval } from './actions.js';
import type { LoadedPredictor, RgbFrame } from './physics.js';
import { copyLastPredictor, tokenizerPredictor } from './physics-baselines.js';
import { paintSquare } from './testing/squares.js';

const W = 32;

/**
 * A synthetic push: the effector (id 3, white) moves 0.5 px a frame right (`dir` 1) or left (-1); the
 * object (id 2, grey) slides down under the first sequence and stays under the second. Frame 0 is shared.
 */
function sequence(name: string, dir: number, objectMoves: boolean): ActionSequence {
  const frames: RgbFrame[] = [];
  const masks: Uint8Array[] = [];
  const actions = new Float32Array(33 * 7);
  for (let t = 0; t < 33; t++) {
    actions[t * 7] = t === 0 ? 0 : dir * 0.5;
    const frame = { width: W, height: W, data: new Uint8Array(W * W * 3).fill(20) };
    const mask = new Uint8Array(W * W).fill(1);
    paintSquare(frame, mask, 2, 120, 4, 4 + (objectMoves ? Math.round(0.5 * t) : 0));
    paintSquare(frame, mask, 3, 240, 13 + Math.round(dir * 0.5 * t), 20);
    frames.push(frame);
    masks.push(mask);
  }
  return { name, actions, frames, masks };
}

const cases = (): ActionCase[] => [
  {
    scenario: 'push',
    seed: 7,
    view: 0,
    caption: 'a gripper pushes a block',
    sequences: [sequence('right', 1, true), sequence('left', -1, false)],
    effector: [3],
    objects: [2],
  },
];

/** Returns the truth of whichever sequence has the actions it is given: follows them perfectly. */
function oracle(all: ActionCase[]): LoadedPredictor {
  return {
    name: 'oracle',
    predict: async (input) => {
      for (const c of all)
        for (const s of c.sequences)
          if (s.actions === input.actions) return Array(input.samples).fill(s.frames);
      throw new Error('no such sequence');
    },
  };
}

test('actions: an oracle follows each sequence; a predictor that ignores the actions does not', async () => {
  const all = cases();
  const good = await runActionEval(oracle(all), all, { conditioningFrames: 1, samples: 2 });
  assert.deepEqual(good.errors, []);
  const [c] = good.cases;
  assert.deepEqual(c!.movedObjects, [2]);
  for (const s of c!.sequences) {
    assert.ok(s.effectorOwn > 0.9, `${s.name} effector own ${s.effectorOwn}`);
    assert.ok(s.effectorOwn > s.effectorOther + 0.3, `${s.name} ${s.effectorOwn} vs ${s.effectorOther}`);
    assert.ok(s.objectsOwn > s.objectsOther, `${s.name} objects ${s.objectsOwn} vs ${s.objectsOther}`);
    assert.equal(s.psnrOwn, 100);
  }
  assert.equal(good.mean.effectorFollowed, 1);
  assert.equal(good.mean.objectsFollowed, 1);
  assert.ok(good.mean.effectorMargin > 0.3);
  assert.equal(good.mean.effectorMargin, good.mean.ceilingEffectorMargin);

  const blind = await runActionEval(copyLastPredictor(), all, { conditioningFrames: 1, samples: 2 });
  assert.equal(blind.mean.effectorMargin, 0);
  assert.equal(blind.mean.objectsMargin, 0);
  assert.equal(blind.mean.effectorFollowed, 0.5);
  const table = actionTable(blind).join('\n');
  assert.match(table, /7 right[\s\S]*7 left[\s\S]*\nmean .*\ntruth \(tracked\)/);
  assert.match(table, /margin own - other \(IoU\): effector 0\.000/);
});

test("actions: a ceiling that reads the truth gets each sequence's own; a predictor never sees it", async () => {
  const all = cases();
  // A lossless "tokenizer": its round trip of each sequence's truth follows that sequence perfectly.
  const lossless = tokenizerPredictor('lossless', {
    roundTrip: async (frames) => ({ frames: [...frames] }),
    close: async () => {},
  });
  const ceiling = await runActionEval(lossless, all, { conditioningFrames: 1, samples: 1 });
  assert.deepEqual(ceiling.errors, []);
  assert.equal(ceiling.mean.effectorFollowed, 1);
  assert.equal(ceiling.mean.effectorMargin, ceiling.mean.ceilingEffectorMargin);
  let sawTruth = false;
  const peeking: LoadedPredictor = {
    name: 'peeking',
    predict: async (input) => {
      sawTruth ||= input.truth !== undefined;
      return Array(input.samples).fill(Array(33).fill(input.frames[0]));
    },
  };
  await runActionEval(peeking, all, { conditioningFrames: 1, samples: 1 });
  assert.equal(sawTruth, false);
});

test('actions: sequences that do not share their start, and bad predictions, are recorded per case', async () => {
  const all = cases();
  const split = await runActionEval(oracle(all), all, { conditioningFrames: 9, samples: 1 });
  assert.match(split.errors[0]!.error, /differ in conditioning frame 1/);
  const short: LoadedPredictor = { name: 'short', predict: async () => [[]] };
  const bad = await runActionEval(short, all, { conditioningFrames: 1, samples: 1 });
  assert.match(bad.errors[0]!.error, /returned 0 frames/);
  await assert.rejects(runActionEval(short, all, { conditioningFrames: 3, samples: 1 }), /takes 1 or 9/);
});
