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
  drawToken,
  positionUniform,
  sampleDigit,
  sampleTokens,
  seededRandom,
  tokenOf,
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

test("drawToken: each position draws from the sampler's distribution, the same token every time", () => {
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
    // Over positions, over futures (streams) and over seeds: each a fresh draw from the same distribution.
    let i = 0;
    const overPositions = histogram(() => drawToken(LOGITS, 0, LEVELS, options, 5, 0, i++), n);
    i = 0;
    const overStreams = histogram(() => drawToken(LOGITS, 0, LEVELS, options, 5, i++, 17), n);
    i = 0;
    const overSeeds = histogram(() => drawToken(LOGITS, 0, LEVELS, options, i++, 1, 17), n);
    for (let t = 0; t < 6; t++)
      for (const [name, seen] of Object.entries({ direct, overPositions, overStreams, overSeeds }))
        assert.ok(Math.abs(seen[t]! - exact[t]!) < 0.012, `${name} token ${t}: ${seen[t]} vs ${exact[t]}`);
    // Digit 0 and digit 1 of one position are drawn independently: the joint frequencies are the products.
    const marginal0 = [0, 1, 2].map((d) => overPositions[d]! + overPositions[d + 3]!);
    const marginal1 = [0, 1].map(
      (d) => overPositions[3 * d]! + overPositions[3 * d + 1]! + overPositions[3 * d + 2]!,
    );
    for (let t = 0; t < 6; t++)
      assert.ok(Math.abs(overPositions[t]! - marginal0[t % 3]! * marginal1[Math.floor(t / 3)]!) < 0.012);
    // Neighbouring positions are independent too: the same token twice as often as chance says, no more.
    i = 0;
    let same = 0;
    for (let j = 0; j < n; j++) {
      const p = drawToken(LOGITS, 0, LEVELS, options, 9, 0, 2 * j);
      if (p === drawToken(LOGITS, 0, LEVELS, options, 9, 0, 2 * j + 1)) same++;
    }
    const chance = exact.reduce((sum, q) => sum + q * q, 0);
    assert.ok(Math.abs(same / n - chance) < 0.012, `${same / n} vs ${chance}`);
  }
  // The same logits, seed, future and position give the same token; greedy takes the argmax.
  const options = checkSampling({ temperature: 1 });
  assert.equal(
    drawToken(LOGITS, 0, LEVELS, options, 3, 1, 40),
    drawToken(LOGITS, 0, LEVELS, options, 3, 1, 40),
  );
  const greedy = checkSampling({ temperature: 0 });
  assert.equal(drawToken(LOGITS, 0, LEVELS, greedy, 3, 1, 40), tokenOf([1, 0], basis));
  // Every uniform number is in [0, 1).
  for (let p = 0; p < 1000; p++) {
    const u = positionUniform(0xffffffff, p, p * 7, p % 6);
    assert.ok(u >= 0 && u < 1);
  }
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

test('predict with drafts: futures are token for token those without, in fewer steps, greedy or sampled', async () => {
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
    // Sampled: the same futures as one token a step, in fewer steps, with any number of drafts; a seed
    // repeats them and another seed gives others.
    const oneByOne = await run(0, 1);
    const sampled = await run(4, 1);
    assert.equal(sampled.futures[1]!.length, 33);
    assert.deepEqual(sampled.tokens.data, oneByOne.tokens.data);
    assert.ok(sampled.steps < plain.steps / 2, `${sampled.steps} steps`);
    assert.deepEqual((await run(9, 1)).tokens.data, oneByOne.tokens.data);
    // Earlier steps' draws as drafts (Jacobi) beat the token a latent frame earlier alone: this model's
    // tokens do not depend on their left neighbour, so a draw after a rejected draft stands.
    const copyOnly = await predictor.predict({
      frames: [frame],
      samples: 2,
      seed: 3,
      drafts: 4,
      jacobi: false,
      sampling: { temperature: 1 },
    });
    assert.deepEqual(copyOnly.tokens.data, oneByOne.tokens.data);
    assert.ok(sampled.steps < copyOnly.steps, `${sampled.steps} steps against ${copyOnly.steps}`);
    assert.notDeepEqual(oneByOne.tokens.data, plain.tokens.data);
    const other = await predictor.predict({
      frames: [frame],
      samples: 2,
      seed: 4,
      drafts: 4,
      sampling: { temperature: 1 },
    });
    assert.notDeepEqual(other.tokens.data, sampled.tokens.data);
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
