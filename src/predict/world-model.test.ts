import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { loadWorldModel } from './onnx-world-model.js';
import { digitBasis, sampleDigit, sampleTokens, seededRandom, tokenOf } from './sampler.js';
import { STAND_IN_CONFIG, standInStore } from './testing.js';
import { actionFeatures, fnv1a32, parseWorldModelConfig, promptTokens, promptWords } from './world-model.js';

const config = parseWorldModelConfig('test', STAND_IN_CONFIG);

test('FNV-1a 32 matches the published vectors; prompts become word slots as the README says', () => {
  // Vectors from the FNV reference (isthe.com/chongo/tech/comp/fnv): "" and "a" and "foobar".
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.deepEqual(promptWords("  The RED cube's fall-2x!"), ['the', 'red', 'cube', 's', 'fall', '2x']);
  const slots = promptTokens(config, 'Red cube');
  assert.equal(slots.length, 16);
  assert.equal(slots[0], 64000 + 1 + (fnv1a32('red') % 1023));
  assert.equal(slots[1], 64000 + 1 + (fnv1a32('cube') % 1023));
  assert.deepEqual(slots.slice(2), Array(14).fill(64000));
  assert.deepEqual(promptTokens(config, ''), Array(16).fill(64000));
  assert.throws(
    () => promptTokens(config, Array(17).fill('word').join(' ')),
    (e: unknown) => OrbisError.isInstance(e) && /17 words; this model takes at most 16/.test(e.message),
  );
});

test('action features: latent 0 holds frame 0 alone, latent t frames 8t-7 .. 8t', () => {
  const frames = 33;
  const actions = Float32Array.from({ length: frames * 7 }, (_, i) => i);
  const f = actionFeatures(config, actions);
  assert.equal(f.length, 5 * 56);
  assert.deepEqual([...f.subarray(0, 7)], [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...f.subarray(7, 56)], Array(49).fill(0));
  // latent 1: frames 1..8; latent 4: frames 25..32.
  assert.deepEqual(
    [...f.subarray(56, 56 + 56)],
    Array.from({ length: 56 }, (_, i) => 7 + i),
  );
  assert.deepEqual(
    [...f.subarray(4 * 56)],
    Array.from({ length: 56 }, (_, i) => 25 * 7 + i),
  );
  // fewer frames: the rest are zeros
  const short = actionFeatures(config, actions.subarray(0, 9 * 7));
  assert.deepEqual([...short.subarray(2 * 56)], Array(3 * 56).fill(0));
});

test('sampler: greedy takes the argmax, top-k and top-p cut the tail, seeds repeat, digits assemble', () => {
  const logits = Float32Array.of(0, 3, 1, 2.9);
  const all = { temperature: 1, topK: 0, topP: 1 };
  assert.equal(
    sampleDigit(logits, 0, 4, { ...all, temperature: 0 }, () => 0.5),
    1,
  );
  const draw = (options: typeof all, n = 2000) => {
    const random = seededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) seen.add(sampleDigit(logits, 0, 4, options, random));
    return [...seen].sort();
  };
  assert.deepEqual(draw(all), [0, 1, 2, 3]);
  assert.deepEqual(draw({ ...all, topK: 2 }), [1, 3]);
  // p(1) ~ 0.46, p(3) ~ 0.42: a nucleus of 0.5 holds those two, 0.4 only the first.
  assert.deepEqual(draw({ ...all, topP: 0.5 }), [1, 3]);
  assert.deepEqual(draw({ ...all, topP: 0.4 }), [1]);
  const a = seededRandom(3, 1);
  const b = seededRandom(3, 1);
  const c = seededRandom(3, 2);
  const first = [a(), a(), a()];
  assert.deepEqual(first, [b(), b(), b()]);
  assert.notDeepEqual(first, [c(), c(), c()]);
  assert.deepEqual(digitBasis([8, 8, 8, 5, 5, 5]), [1, 8, 64, 512, 2560, 12800]);
  assert.equal(tokenOf([7, 7, 7, 4, 4, 4], digitBasis([8, 8, 8, 5, 5, 5])), 63999);
  // A one-hot row per digit picks exactly those digits at temperature 0.
  const row = new Float32Array(39).fill(-10);
  [3, 8 + 5, 16 + 0, 24 + 2, 29 + 4, 34 + 1].forEach((i) => {
    row[i] = 10;
  });
  const [token] = sampleTokens(row, [8, 8, 8, 5, 5, 5], { ...all, temperature: 0 }, [() => 0]);
  assert.equal(token, 3 + 5 * 8 + 0 + 2 * 512 + 4 * 2560 + 1 * 12800);
});

test('the ONNX world model steps with a growing cache: prefill, then one token per step, B futures', async () => {
  const store = standInStore(tempDir('orbis-world-'));
  const model = await loadWorldModel(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    assert.equal(model.specificationVersion, 'v1');
    assert.equal(model.config.grid[0], 5);
    const rollout = model.rollout(3);
    assert.equal(rollout.length, 0);
    const prefill = Array.from({ length: 3 * 20 }, (_, i) => (i % 20 < 16 ? 64000 : i));
    const logits = await rollout.step(prefill);
    assert.equal(logits.length, 3 * 39);
    assert.equal(rollout.length, 20);
    const next = await rollout.step([1, 2, 3]);
    assert.equal(rollout.length, 21);
    assert.equal(next.length, 3 * 39);
    // Rows with different histories give different logits; a fresh rollout of the same tokens repeats them.
    assert.notDeepEqual([...next.subarray(0, 39)], [...next.subarray(39, 78)]);
    const again = model.rollout(3);
    await again.step(prefill);
    assert.deepEqual([...(await again.step([1, 2, 3]))], [...next]);
    assert.throws(() => model.rollout(2, new Float32Array(3)), /action features hold 3 values/);
  } finally {
    await model.close();
  }
});
