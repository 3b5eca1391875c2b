import assert from 'node:assert/strict';
import test from 'node:test';
import { runOrbis, tempDir } from '../../test/support.js';
import { copyLastPredictor, type LoadedPredictor, runActionEval } from '../eval/index.js';
import { actionCases } from './commands/eval.js';

/**
 * Action following on real push starts: the simulator's own outcome, handed back as the prediction, must
 * follow each action sequence (and the margin is what the tracker allows); copying the first frame must not.
 */
test('eval actions: the simulator as predictor follows both sequences, copy-last follows neither', async () => {
  const cases = [];
  for await (const c of actionCases(1, 0, 1)) cases.push(c);
  const [c] = cases;
  assert.equal(c!.sequences[0].name, 'scripted');
  assert.deepEqual(c!.sequences[0].frames[0]!.data, c!.sequences[1].frames[0]!.data);
  assert.notDeepEqual(c!.sequences[0].frames[32]!.data, c!.sequences[1].frames[32]!.data);
  const oracle: LoadedPredictor = {
    name: 'simulator',
    predict: async (input) => {
      const s = c!.sequences.find((x) => x.actions === input.actions)!;
      return Array(input.samples).fill(s.frames);
    },
  };
  const good = await runActionEval(oracle, cases, { conditioningFrames: 1, samples: 1 });
  assert.deepEqual(good.errors, []);
  assert.equal(good.mean.effectorFollowed, 1);
  assert.ok(good.mean.effectorMargin > 0.1, `effector margin ${good.mean.effectorMargin}`);
  const blind = await runActionEval(copyLastPredictor(), cases, { conditioningFrames: 1, samples: 1 });
  assert.equal(blind.mean.effectorMargin, 0);
});

test('eval actions / physics --multiverse: the commands print their tables', async () => {
  const dir = tempDir('orbis-actions-');
  const actions = await runOrbis(['eval', 'actions', '--model', 'copy-last', '--seeds', '1'], dir);
  assert.equal(actions.code, 0, actions.stderr);
  assert.match(actions.stdout, /1000000 scripted[\s\S]*1000000 random[\s\S]*\nmean /);
  assert.match(actions.stdout, /margin own - other \(IoU\): effector 0\.000/);
  const later = await runOrbis(
    ['eval', 'actions', '--model', 'copy-last', '--seeds', '1', '--seed-offset', '3'],
    dir,
  );
  assert.equal(later.code, 0, later.stderr);
  assert.match(later.stdout, /1000003 scripted[\s\S]*1000003 random/);
  assert.doesNotMatch(later.stdout, /1000000 scripted/);
  const bad = await runOrbis(['eval', 'actions', '--model', 'copy-last', '--frames', '2'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--frames must be 1 or 9/);
  const unguided = await runOrbis(
    ['eval', 'actions', '--model', 'copy-last', '--action-guidance', '2', '--seeds', '1'],
    dir,
  );
  assert.equal(unguided.code, 1, unguided.stderr);
  assert.match(unguided.stderr, /--action-guidance is for world models; "copy-last" does not take actions/);
  const negative = await runOrbis(
    ['eval', 'actions', '--model', 'copy-last', '--action-guidance', '-1'],
    dir,
  );
  assert.match(negative.stderr, /--action-guidance/);
  const promptless = await runOrbis(
    ['eval', 'physics', '--model', 'copy-last', '--prompt-guidance', '1', '--scenarios', 'free-fall'],
    dir,
  );
  assert.equal(promptless.code, 1, promptless.stderr);
  assert.match(
    promptless.stderr,
    /--prompt-guidance is for world models; "copy-last" does not take a prompt/,
  );
  const keeping = await runOrbis(['eval', 'physics', '--model', 'copy-last', '--keep-unchanged'], dir);
  assert.equal(keeping.code, 1);
  assert.match(keeping.stderr, /--keep-unchanged is for world models; "copy-last" does not generate tokens/);
  const early = await runOrbis(
    ['eval', 'physics', '--model', 'copy-last', '--prompt-guidance-frames', '1', '--scenarios', 'free-fall'],
    dir,
  );
  assert.equal(early.code, 1);
  assert.match(early.stderr, /--prompt-guidance is for world models; "copy-last" does not take a prompt/);
  const fraction = await runOrbis(
    ['eval', 'physics', '--model', 'copy-last', '--prompt-guidance-frames', '1.5'],
    dir,
  );
  assert.equal(fraction.code, 1);
  assert.match(fraction.stderr, /--prompt-guidance-frames/);
  // A count past the model's generated latent frames: refused by the predictor, naming the most it takes.
  const past = await runOrbis(
    [
      'predict',
      '--scenario',
      'free-fall',
      '--prompt-guidance',
      '1',
      '--prompt-guidance-frames',
      '9',
      '--out',
      `${dir}/past`,
    ],
    dir,
  );
  assert.equal(past.code, 1, past.stderr);
  assert.match(past.stderr, /--prompt-guidance-frames must be a whole number from 0 to 8, not 9/);
  const tooMuch = await runOrbis(['eval', 'physics', '--model', 'copy-last', '--prompt-guidance', '21'], dir);
  assert.equal(tooMuch.code, 1);
  assert.match(tooMuch.stderr, /--prompt-guidance/);
  const mv = await runOrbis(
    [
      'eval',
      'physics',
      '--model',
      'copy-last',
      '--scenarios',
      'unstable-stack',
      '--views',
      '0',
      '--multiverse',
    ],
    dir,
  );
  assert.equal(mv.code, 0, mv.stderr);
  assert.match(mv.stdout, /spread pair PSNR 100\.00 dB, pair IoU 1\.000, 1 distinct of 4/);
  assert.match(mv.stdout, /future 3 {2}PSNR[\s\S]*pair PSNR\s+pair IoU/);
  const one = await runOrbis(
    ['eval', 'physics', '--model', 'copy-last', '--samples', '1', '--multiverse'],
    dir,
  );
  assert.match(one.stderr, /--multiverse needs --samples 2 or more/);
});
