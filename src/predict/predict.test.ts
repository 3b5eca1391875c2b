import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import type { TokenizerFrame } from '../tokenizer/index.js';
import { type FutureFrames, Predictor } from './predict.js';
import { STAND_IN_CONFIG, standInStore } from './testing.js';

const dir = tempDir('orbis-predict-');
const store = standInStore(dir);
const mute = standInStore(dir, 'world-mute', {
  ...STAND_IN_CONFIG,
  actionConditioned: false,
  prompted: false,
});

/** A moving gradient, `n` frames of `size` x `size`. */
function clip(n: number, size = 32): TokenizerFrame[] {
  return Array.from({ length: n }, (_, f) => {
    const data = new Uint8Array(size * size * 3);
    for (let i = 0; i < size * size; i++) {
      const x = i % size;
      const y = Math.floor(i / size);
      data[i * 3] = (x * 8 + f * 4) % 256;
      data[i * 3 + 1] = (y * 8) % 256;
      data[i * 3 + 2] = 128;
    }
    return { width: size, height: size, data };
  });
}

const same = (a: TokenizerFrame[], b: TokenizerFrame[]) =>
  a.length === b.length && a.every((f, i) => Buffer.compare(f.data, b[i]!.data) === 0);

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return OrbisError.isInstance(error) ? `${error.code}: ${error.message} | ${error.hint}` : String(error);
  }
}

test('N futures of 33 frames stream out per latent frame; seeds repeat; temperature 0 makes them equal', async () => {
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    const chunks: FutureFrames[] = [];
    const job = predictor.start({
      frames: clip(1),
      prompt: 'a red cube falls',
      samples: 3,
      seed: 5,
      onFrames: (c) => chunks.push(c),
    });
    assert.equal(job.status().state, 'running');
    assert.equal(job.status().tokensTotal, 4 * 4);
    const result = await job.result;
    assert.deepEqual(job.status(), {
      state: 'done',
      tokensDone: 16,
      tokensTotal: 16,
      framesDone: 33,
      framesTotal: 33,
    });
    assert.equal(result.futures.length, 3);
    assert.ok(result.futures.every((f) => f.length === 33 && f[0]!.width === 32));
    assert.deepEqual(result.tokens.dims, [3, 5, 2, 2]);
    assert.deepEqual(result.warnings, []);
    // One chunk per generated latent frame: the first also carries the conditioning frame.
    assert.deepEqual(
      chunks.map((c) => [c.start, c.frames[0]!.length]),
      [
        [0, 9],
        [9, 8],
        [17, 8],
        [25, 8],
      ],
    );
    // The conditioning latent frame is shared; at temperature 1 the futures part ways.
    const grid = 4;
    const latent = (b: number, t: number) => [
      ...result.tokens.data.subarray((b * 5 + t) * grid, (b * 5 + t + 1) * grid),
    ];
    assert.deepEqual(latent(0, 0), latent(1, 0));
    assert.notDeepEqual(result.tokens.data.subarray(0, 20), result.tokens.data.subarray(20, 40));
    const again = await predictor.predict({
      frames: clip(1),
      prompt: 'a red cube falls',
      samples: 3,
      seed: 5,
    });
    assert.deepEqual(again.tokens.data, result.tokens.data, 'the same seed gives the same futures');
    const other = await predictor.predict({
      frames: clip(1),
      prompt: 'a red cube falls',
      samples: 3,
      seed: 6,
    });
    assert.notDeepEqual(other.tokens.data, result.tokens.data, 'another seed, other futures');
    const greedy = await predictor.predict({ frames: clip(1), samples: 3, sampling: { temperature: 0 } });
    assert.ok(same(greedy.futures[0]!, greedy.futures[1]!) && same(greedy.futures[0]!, greedy.futures[2]!));
  } finally {
    await predictor.close();
  }
});

test('9 conditioning frames make 2 latent frames; shorter lengths stop early; resizing warns', async () => {
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    const result = await predictor.predict({ frames: clip(9, 48), samples: 2, length: 20 });
    assert.deepEqual(result.tokens.dims, [2, 4, 2, 2]);
    assert.equal(result.conditioningFrames, 9);
    assert.ok(result.futures.every((f) => f.length === 20 && f[19]!.width === 32));
    assert.deepEqual(result.warnings, [
      'the input is 48x48; it was resized to 32x32, the size the model was trained at',
    ]);
    const actions = Array.from({ length: 20 }, (_, f) => [0.01 * f, 0, 0, 0, 0, 0, 1]);
    const acted = await predictor.predict({ frames: clip(9), samples: 2, length: 20, actions });
    const still = await predictor.predict({ frames: clip(9), samples: 2, length: 20 });
    assert.notDeepEqual(acted.tokens.data, still.tokens.data, 'the actions reach the model');
  } finally {
    await predictor.close();
  }
});

test('bad inputs fail before any work, each with one clear line', async () => {
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  const mk = (over: object) => () => predictor.start({ frames: clip(1), ...over });
  try {
    assert.match(
      await codeOf(mk({ samples: 0 })),
      /^INVALID_ARGUMENT: --samples must be a whole number, 1 or more, not 0/,
    );
    assert.match(
      await codeOf(mk({ frames: clip(4) })),
      /^INVALID_ARGUMENT: 4 conditioning frames .*\| give 1 or 9 frames/,
    );
    assert.match(
      await codeOf(mk({ length: 40 })),
      /^INVALID_ARGUMENT: --length must be a whole number from 2 to 33/,
    );
    assert.match(await codeOf(mk({ length: 1 })), /^INVALID_ARGUMENT: --length must be/);
    assert.match(
      await codeOf(
        mk({
          prompt:
            'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen',
        }),
      ),
      /^INVALID_ARGUMENT: the prompt has 17 words; this model takes at most 16 \| shorten --prompt/,
    );
    assert.match(
      await codeOf(mk({ actions: [[0, 0, 0, 0, 0, 0, 1]] })),
      /^INVALID_ARGUMENT: the actions have 1 rows; a future of 33 frames needs 33/,
    );
    const rows = Array.from({ length: 33 }, () => [0, 0, 0, 0, 0, 0, 1]);
    rows[5] = [0, 0, 0];
    assert.match(
      await codeOf(mk({ actions: rows })),
      /^INVALID_ARGUMENT: action row 5 is not 7 finite numbers/,
    );
    assert.match(
      await codeOf(mk({ frames: [{ width: 32, height: 32, data: new Uint8Array(10) }] })),
      /^INVALID_ARGUMENT: a conditioning frame of 32x32 holds 10 bytes, not RGB/,
    );
    assert.match(await codeOf(mk({ sampling: { topP: 0 } })), /^INVALID_ARGUMENT: top-p must be in \(0, 1\]/);
  } finally {
    await predictor.close();
  }
});

test('options a model was not trained with are ignored with a warning, not silently', async () => {
  const predictor = await Predictor.load(mute, 'world-mute', { providers: ['cpu'] });
  try {
    const actions = Array.from({ length: 9 }, () => [0, 0, 0, 0, 0, 0, 1]);
    const result = await predictor.predict({
      frames: clip(1),
      samples: 1,
      length: 9,
      prompt: 'hello',
      actions,
    });
    assert.deepEqual(result.warnings, [
      'model "world-mute" was trained without prompts: the prompt was ignored',
      'model "world-mute" was trained without actions: the actions were ignored',
    ]);
  } finally {
    await predictor.close();
  }
});

test("the manifest's recommended sampling is the default; a request's own options win; a bad one is refused", async () => {
  const greedyStore = standInStore(dir, 'world-greedy', { ...STAND_IN_CONFIG, sampling: { temperature: 0 } });
  const predictor = await Predictor.load(greedyStore, 'world-greedy', { providers: ['cpu'] });
  try {
    assert.deepEqual(predictor.config.sampling, { temperature: 0 });
    const byDefault = await predictor.predict({ frames: clip(1), samples: 2, seed: 3 });
    assert.ok(same(byDefault.futures[0]!, byDefault.futures[1]!), 'temperature 0 from the manifest');
    const asked = await predictor.predict({
      frames: clip(1),
      samples: 2,
      seed: 3,
      sampling: { temperature: 1 },
    });
    assert.notDeepEqual(asked.tokens.data.subarray(0, 20), asked.tokens.data.subarray(20, 40));
  } finally {
    await predictor.close();
  }
  const bad = standInStore(dir, 'world-bad-sampling', { ...STAND_IN_CONFIG, sampling: { temperature: -1 } });
  assert.match(
    await codeOf(() => Predictor.load(bad, 'world-bad-sampling', { providers: ['cpu'] })),
    /^MODEL_MANIFEST_INVALID: model "world-bad-sampling" has no valid config.sampling/,
  );
});

test('settings: each left out comes from the manifest, else off; what a request gives wins; a bad one throws', async () => {
  const recommended = standInStore(dir, 'world-recommends', {
    ...STAND_IN_CONFIG,
    sampling: { temperature: 0.7, topK: 3 },
    actionGuidance: 2,
    promptGuidance: 1,
    promptGuidanceFrames: 2,
    keepUnchanged: true,
  });
  const predictor = await Predictor.load(recommended, 'world-recommends', { providers: ['cpu'] });
  const plain = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    assert.deepEqual(predictor.settings(), {
      sampling: { temperature: 0.7, topK: 3, topP: 1 },
      actionGuidance: 2,
      promptGuidance: 1,
      promptGuidanceFrames: 2,
      keepUnchanged: true,
    });
    // A sampling option given as undefined (a flag not passed) leaves the manifest's value, not 1.
    assert.deepEqual(
      predictor.settings({
        sampling: { temperature: undefined, topP: 0.8 },
        actionGuidance: 0,
        promptGuidance: 3,
        promptGuidanceFrames: 0,
        keepUnchanged: false,
      }),
      {
        sampling: { temperature: 0.7, topK: 3, topP: 0.8 },
        actionGuidance: 0,
        promptGuidance: 3,
        promptGuidanceFrames: 0,
        keepUnchanged: false,
      },
    );
    assert.deepEqual(plain.settings(), {
      sampling: { temperature: 1, topK: 0, topP: 1 },
      actionGuidance: 0,
      promptGuidance: 0,
      promptGuidanceFrames: 0,
      keepUnchanged: false,
    });
    assert.match(
      await codeOf(() => plain.settings({ promptGuidance: -1 })),
      /^INVALID_ARGUMENT: --prompt-guidance/,
    );
    assert.match(await codeOf(() => plain.settings({ sampling: { topP: 0 } })), /^INVALID_ARGUMENT: top-p/);
  } finally {
    await predictor.close();
    await plain.close();
  }
});
