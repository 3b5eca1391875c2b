import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelStore, SHIPPED_MODELS } from '../runtime/index.js';
import { VideoTokenizer } from '../tokenizer/index.js';
import { Predictor } from './predict.js';
import {
  checkSampling,
  digitBasis,
  digitProbability,
  sampleDigit,
  sampleTokens,
  seededRandom,
  tokenOf,
  verifyDraft,
} from './sampler.js';
import {
  parseWorldModelConfig,
  type WorldModel,
  type WorldModelConfig,
  type WorldModelRollout,
} from './world-model.js';

const LEVELS = [3, 2];
const LOGITS = Float32Array.of(0.3, 1.2, -0.4, 0.9, 0.1); // digit 0: 3 values, digit 1: 2

/** Frequencies of the 6 tokens of LEVELS over n draws. */
function histogram(draw: () => number, n: number): number[] {
  const counts = new Array(6).fill(0);
  for (let i = 0; i < n; i++) counts[draw()]++;
  return counts.map((c) => c / n);
}

test('speculative sampling: a verified draft is distributed exactly as a plain draw, for each cut', () => {
  const basis = digitBasis(LEVELS);
  for (const options of [
    checkSampling({ temperature: 1 }),
    checkSampling({ temperature: 0.7, topK: 2 }),
    checkSampling({ temperature: 1.3, topP: 0.8 }),
  ]) {
    // The probability the sampler gives each token, from digitProbability, sums to 1.
    const exact = [0, 1, 2, 3, 4, 5].map(
      (t) =>
        digitProbability(LOGITS, 0, 3, options, t % 3) *
        digitProbability(LOGITS, 3, 2, options, Math.floor(t / 3)),
    );
    assert.ok(Math.abs(exact.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    const n = 40_000;
    const plain = seededRandom(1);
    const direct = histogram(() => sampleTokens(LOGITS, LEVELS, options, [plain])[0]!, n);
    for (const draft of [tokenOf([1, 0], basis), tokenOf([2, 1], basis)]) {
      const random = seededRandom(2 + draft);
      let accepted = 0;
      const verified = histogram(() => {
        const v = verifyDraft(LOGITS, LEVELS, options, draft, random);
        if (v.accepted) accepted++;
        return v.token;
      }, n);
      for (let t = 0; t < 6; t++) {
        assert.ok(
          Math.abs(verified[t]! - exact[t]!) < 0.012,
          `${JSON.stringify(options)} draft ${draft} token ${t}: ${verified[t]} vs ${exact[t]}`,
        );
        assert.ok(Math.abs(direct[t]! - exact[t]!) < 0.012, `plain token ${t}: ${direct[t]} vs ${exact[t]}`);
      }
      // A draft is accepted as often as the sampler would draw it.
      assert.ok(Math.abs(accepted / n - exact[draft]!) < 0.012);
    }
  }
  // Greedy: the draft is accepted only when it is the argmax, and a rejection gives the argmax.
  const greedy = checkSampling({ temperature: 0 });
  const argmax = tokenOf([1, 0], basis);
  assert.deepEqual(verifyDraft(LOGITS, LEVELS, greedy, argmax, seededRandom(0)), {
    token: argmax,
    accepted: true,
  });
  assert.deepEqual(verifyDraft(LOGITS, LEVELS, greedy, 5, seededRandom(0)), {
    token: argmax,
    accepted: false,
  });
  assert.equal(sampleDigit(LOGITS, 0, 3, greedy, seededRandom(0)), 1);
});

/**
 * A world model in JavaScript whose step returns every new position's logits: each digit of the next token
 * strongly prefers the digit of the token at the same place one latent frame earlier (what the drafts are),
 * except at every seventh position, where another value wins. So drafts are accepted and rejected both.
 */
function copyingModel(config: WorldModelConfig): WorldModel {
  const width = config.levels.reduce((a, b) => a + b, 0);
  const basis = digitBasis(config.levels);
  const grid = config.grid[1] * config.grid[2];
  const rollout = (batch: number): WorldModelRollout => {
    const fed: number[][] = Array.from({ length: batch }, () => []);
    const next = (b: number, out: Float32Array, at: number) => {
      const q = fed[b]!.length; // the position predicted
      const visual = q - config.promptLength;
      const copy = visual >= grid ? fed[b]![q - grid]! : 0;
      let offset = at;
      config.levels.forEach((n, i) => {
        const want = Math.floor(copy / basis[i]!) % n;
        for (let d = 0; d < n; d++) out[offset + d] = d === want ? 5 : Math.sin(q * 7.3 + d * 1.9 + b);
        if (q % 7 === 0) out[offset + ((want + 1) % n)] = 6;
        offset += n;
      });
    };
    const run = (tokens: ArrayLike<number>, all: boolean) => {
      const s = tokens.length / batch;
      const out = new Float32Array(batch * (all ? s : 1) * width);
      for (let b = 0; b < batch; b++)
        for (let j = 0; j < s; j++) {
          fed[b]!.push(tokens[b * s + j]!);
          if (all || j === s - 1) next(b, out, (b * (all ? s : 1) + (all ? j : 0)) * width);
        }
      return Promise.resolve(out);
    };
    return {
      batch,
      get length() {
        return fed[0]!.length;
      },
      step: (tokens) => run(tokens, false),
      stepAll: (tokens) => run(tokens, true),
      truncate: (length) => {
        for (const f of fed) f.length = length;
      },
    };
  };
  return {
    specificationVersion: 'v1',
    name: 'copying',
    version: '1',
    config,
    rollout,
    close: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

test('predict with drafts: greedy futures are token for token those without, in fewer steps', async () => {
  const store = new ModelStore({ cacheDir: join(mkdtempSync(join(tmpdir(), 'orbis-spec-')), 'cache') });
  const manifest = JSON.parse(readFileSync(join(SHIPPED_MODELS, 'world-dv4x8x8', 'manifest.json'), 'utf8'));
  const config = parseWorldModelConfig('copying', manifest.config);
  const tokenizer = await VideoTokenizer.load(store, config.tokenizer);
  try {
    const predictor = Predictor.of(copyingModel(config), tokenizer);
    const frame = {
      width: 128,
      height: 128,
      data: new Uint8Array(128 * 128 * 3).map((_, i) => (i * 37) % 251),
    };
    const run = async (drafts: number, temperature: number) =>
      predictor.predict({ frames: [frame], samples: 2, seed: 3, drafts, sampling: { temperature } });
    // One step per generated token (the prefill makes the first): 8 latent frames of 16 x 16 for 4x8x8 tokens.
    const generated = (config.grid[0] - 1) * config.grid[1] * config.grid[2];
    const plain = await run(0, 0);
    const greedy = await run(4, 0);
    assert.deepEqual(greedy.tokens.data, plain.tokens.data);
    assert.equal(plain.steps, generated); // the prefill and a single-token step for each token after the first
    assert.ok(greedy.steps < plain.steps / 2, `${greedy.steps} steps with drafts`);
    // Sampled: a full set of futures, in fewer steps, and a seed repeats them.
    const sampled = await run(4, 1);
    assert.equal(sampled.futures[1]!.length, 33);
    assert.ok(sampled.steps < plain.steps, `${sampled.steps} steps`);
    assert.deepEqual((await run(4, 1)).tokens.data, sampled.tokens.data);
    await assert.rejects(run(-1, 1), /drafts must be a whole number/);
    // A model's recommended drafts (its manifest's config.drafts) are the default; a request's own win.
    const recommending = Predictor.of(copyingModel({ ...config, drafts: 0 }), tokenizer);
    const request = { frames: [frame], samples: 2, seed: 3, sampling: { temperature: 0 } };
    assert.equal((await recommending.predict(request)).steps, generated);
    assert.ok((await recommending.predict({ ...request, drafts: 4 })).steps < generated / 2);
    assert.equal(parseWorldModelConfig('eight', { ...manifest.config, drafts: 8 }).drafts, 8);
    assert.throws(() => parseWorldModelConfig('bad', { ...manifest.config, drafts: -1 }), /config\.drafts/);
  } finally {
    await tokenizer.close();
  }
});
