import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import type { TokenizerFrame } from '../tokenizer/index.js';
import { unchangedKeeper } from './keep.js';
import { Predictor } from './predict.js';
import { STAND_IN_CONFIG, standInStore } from './testing.js';
import { parseWorldModelConfig, type WorldModelConfig } from './world-model.js';

// 16x16 frames in 2x2 patches of 8x8; latent 0 is frame 0, latent t the frames 4t-3 .. 4t.
const config: WorldModelConfig = {
  ...parseWorldModelConfig('keep', STAND_IN_CONFIG),
  size: [16, 16],
  grid: [4, 2, 2],
  framesPerLatent: 4,
};
const frame = (value: number): TokenizerFrame => ({
  width: 16,
  height: 16,
  data: new Uint8Array(16 * 16 * 3).fill(value),
});
/** The value at pixel (x, y), channel 0. */
const at = (f: TokenizerFrame, x: number, y: number) => f.data[(y * 16 + x) * 3]!;
/** One future's tokens, [latents][4 patches]. */
const tokensOf = (...latents: number[][]) => Uint16Array.from(latents.flat());

test('keepUnchanged: a generated patch keeping the last conditioning token is drawn from the input; others stay as decoded', () => {
  const input = frame(200);
  input.data.fill(50, 0, 8 * 3); // patch 0's top row is another colour, so the copy is seen to be the input's
  // Patch 0 keeps its token throughout; patch 1 changes at latent 1 and comes back at latent 2; patch 2 changes.
  const tokens = tokensOf([1, 2, 3, 4], [1, 9, 7, 4], [1, 2, 8, 4], [1, 9, 9, 4]);
  const keep = unchangedKeeper(config, [input], 1, tokens, 4);
  const decoded = Array.from({ length: 13 }, () => frame(100));
  keep(decoded, 0, 0);
  assert.equal(at(decoded[0]!, 0, 0), 100, 'conditioning frames are left as they are');
  for (const f of [1, 4, 5, 8, 12]) {
    assert.equal(at(decoded[f]!, 0, 0), 50, `frame ${f}, patch 0: the input's pixel`);
    assert.equal(at(decoded[f]!, 3, 5), 200);
    assert.equal(at(decoded[f]!, 3, 12), 100, `frame ${f}, patch 2 changed: decoded`);
    assert.equal(at(decoded[f]!, 12, 12), 200, `frame ${f}, patch 3 kept`);
  }
  assert.equal(at(decoded[3]!, 12, 3), 100, 'patch 1 changed in latent 1: decoded');
  assert.equal(at(decoded[6]!, 12, 3), 200, 'patch 1 back to its token in latent 2: the input');
  assert.equal(at(decoded[10]!, 12, 3), 100);
});

test('keepUnchanged with 9 frames: a patch the input moved in over the last latent frame is not drawn still', () => {
  const inputs = Array.from({ length: 9 }, () => frame(80));
  // Patch 1 (top right) changes within frames 5-8, the last conditioning latent frame's; patch 2 only before.
  inputs[6]!.data.fill(250, (2 * 16 + 8) * 3, (2 * 16 + 16) * 3);
  inputs[2]!.data.fill(250, 10 * 16 * 3, (10 * 16 + 8) * 3);
  const tokens = tokensOf([1, 2, 3, 4], [1, 2, 3, 4], [5, 6, 7, 8], [5, 6, 7, 8]);
  const keep = unchangedKeeper(config, inputs, 3, tokens, 4);
  const decoded = Array.from({ length: 4 }, () => frame(100)); // frames 9-12
  keep(decoded, 9, 0);
  for (const f of decoded) {
    assert.equal(at(f, 3, 3), 80, 'patch 0: still, kept: the input');
    assert.equal(at(f, 12, 3), 100, 'patch 1 moved in frames 5-8: decoded');
    assert.equal(at(f, 3, 12), 80, 'patch 2 moved only before: the input');
  }
  // The second future of a batch reads its own tokens.
  const two = Uint16Array.from([
    ...tokens,
    ...tokensOf([1, 2, 3, 4], [1, 2, 3, 4], [5, 6, 7, 8], [0, 6, 7, 8]),
  ]);
  const other = Array.from({ length: 4 }, () => frame(100));
  unchangedKeeper(config, inputs, 3, two, 4)(other, 9, 1);
  assert.equal(at(other[0]!, 3, 3), 100, 'future 1 changed patch 0');
  assert.equal(at(other[0]!, 3, 12), 80);
});

test('predict with keepUnchanged: the same tokens; the manifest sets the default, a request overrides it', async () => {
  const dir = tempDir('orbis-keep-');
  const still = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) };
  const request = { frames: [still], samples: 2, seed: 4, sampling: { temperature: 0 } };
  const predictor = await Predictor.load(standInStore(dir), 'world-stand-in', { providers: ['cpu'] });
  const keeping = await Predictor.load(
    standInStore(dir, 'world-keeping', { ...STAND_IN_CONFIG, keepUnchanged: true }),
    'world-keeping',
    { providers: ['cpu'] },
  );
  try {
    const plain = await predictor.predict(request);
    const kept = await predictor.predict({ ...request, keepUnchanged: true });
    assert.deepEqual(kept.tokens.data, plain.tokens.data, 'the tokens do not change');
    // The stand-in keeps none of latent 0's tokens, so nothing may be drawn from the input here; the shipped
    // model's test (src/cli/shipped-world-model.test.ts) sees patches kept.
    assert.deepEqual(kept.futures, plain.futures);
    assert.deepEqual((await keeping.predict(request)).futures, kept.futures);
    assert.deepEqual((await keeping.predict({ ...request, keepUnchanged: false })).futures, plain.futures);
    assert.throws(
      () => parseWorldModelConfig('bad', { ...STAND_IN_CONFIG, keepUnchanged: 'yes' }),
      /keepUnchanged/,
    );
  } finally {
    await predictor.close();
    await keeping.close();
  }
});
