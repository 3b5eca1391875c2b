import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { guidedDigits, independentDigits } from './digits.js';
import { GuidedRollout } from './guidance.js';
import { loadWorldModel } from './onnx-world-model.js';
import { Predictor } from './predict.js';
import { STAND_IN_CONFIG, standInStore } from './testing.js';
import { featureWidth, type WorldModelRollout } from './world-model.js';

const dir = tempDir('orbis-guidance-');
const store = standInStore(dir);
const [latents] = STAND_IN_CONFIG.grid;
const FEATURES = latents * STAND_IN_CONFIG.actionFeatures;
const actionsOf = (batch: number) =>
  Float32Array.from({ length: batch * FEATURES }, (_, i) => 0.3 + 0.01 * (i % 13));

/** Row `r`'s numbers (`width` of them) of a [rows, width] step output, as a plain array. */
const rowOf = (rows: Float32Array, r: number, width: number) =>
  Array.from(rows.subarray(r * width, (r + 1) * width));

/**
 * `seen` is `want` number for number, up to float rounding: a batch of 4 or 6 rows may round a last bit
 * differently from a batch of 2.
 */
function assertSameRow(seen: readonly number[], want: readonly number[], what: string): void {
  assert.equal(seen.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(seen[i]! - want[i]!) < 1e-6, `${what} value ${i}: ${seen[i]} vs ${want[i]}`);
}

test('guided rollout: each row holds the real step with and without actions side by side; guidedDigits mixes them as with + g (with - without)', async () => {
  const model = await loadWorldModel(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    const batch = 2;
    const g = 1.5;
    const width = featureWidth(model.config);
    const { levels } = model.config;
    const head = guidedDigits(independentDigits(levels), [g]);
    assert.equal(head.width, 2 * width);
    const acted = actionsOf(batch);
    const guided = new GuidedRollout(
      model.rollout(2 * batch, Float32Array.from([...acted, ...new Float32Array(acted.length)])),
      g,
      width,
    );
    const withActions = model.rollout(batch, acted);
    const without = model.rollout(batch);
    assert.equal(guided.batch, batch);
    let feed = [5, 9, 700, 3, 2, 11, 8, 4]; // [batch, 4]: a prefill of 4 tokens a row
    for (let step = 0; step < 4; step++) {
      const [side, a, b] = await Promise.all([guided.step(feed), withActions.step(feed), without.step(feed)]);
      assert.equal(guided.length, withActions.length);
      assert.equal(a.length, batch * width);
      assert.equal(side.length, 2 * a.length);
      let moved = 0;
      for (let r = 0; r < batch; r++) {
        // Row r: its `width` numbers with actions, then its `width` numbers without.
        const row = rowOf(side, r, 2 * width);
        assertSameRow(row.slice(0, width), rowOf(a, r, width), `step ${step} row ${r} with actions`);
        assertSameRow(row.slice(width), rowOf(b, r, width), `step ${step} row ${r} without`);
        let start = 0;
        levels.forEach((n, digit) => {
          const mixed = head.logits(side, r * head.width, digit, []);
          assert.equal(mixed.length, n);
          for (let v = 0; v < n; v++) {
            const [with_, without_] = [a[r * width + start + v]!, b[r * width + start + v]!];
            const want = with_ + g * (with_ - without_);
            assert.ok(Math.abs(mixed[v]! - want) < 1e-5, `step ${step} row ${r} digit ${digit} value ${v}`);
            moved = Math.max(moved, Math.abs(mixed[v]! - with_));
          }
          start += n;
        });
      }
      assert.ok(moved > 0.01, `the actions change the stand-in's logits (by ${moved})`);
      feed = [step * 17 + 1, step * 5 + 2];
    }
  } finally {
    await model.close();
  }
});

test('guided rollout: stepAll and truncate reach both halves, fed the same tokens; each position gets its rows side by side', async () => {
  const fed: number[][] = [];
  const truncated: number[] = [];
  // Row r of the inner batch answers 100 r + 10 p + k at its position p (of S) and number k (of width 2).
  const inner: WorldModelRollout = {
    batch: 4,
    length: 0,
    step: async () => new Float32Array(0),
    stepAll: async (tokens) => {
      fed.push(Array.from(tokens));
      const s = tokens.length / 4;
      return Float32Array.from(
        { length: 4 * s * 2 },
        (_, i) => 100 * Math.floor(i / (s * 2)) + 10 * (Math.floor(i / 2) % s) + (i % 2),
      );
    },
    truncate: (length) => {
      truncated.push(length);
    },
  };
  const guided = new GuidedRollout(inner, 2, 2);
  assert.equal(guided.batch, 2);
  const out = await guided.stepAll!([1, 2, 3, 4, 5, 6]); // [2 rows, 3 tokens]
  assert.deepEqual(fed, [[1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]]);
  // Rows 0 and 1 are as asked, rows 2 and 3 their futures without: guided row 0 is inner rows 0 and 2 side by
  // side at each position, guided row 1 inner rows 1 and 3.
  assert.deepEqual(
    Array.from(out),
    [
      [0, 1, 200, 201],
      [10, 11, 210, 211],
      [20, 21, 220, 221],
      [100, 101, 300, 301],
      [110, 111, 310, 311],
      [120, 121, 320, 321],
    ].flat(),
  );
  guided.truncate!(7);
  assert.deepEqual(truncated, [7]);
});

test('prompt guidance: the first step feeds each block its own prefill; two conditions side by side, mixed as asked + sum g (asked - without)', async () => {
  const model = await loadWorldModel(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    const batch = 2;
    const [ga, gp] = [1.5, 2];
    const width = featureWidth(model.config);
    const { levels } = model.config;
    const head = guidedDigits(independentDigits(levels), [ga, gp]);
    assert.equal(head.width, 3 * width);
    const acted = actionsOf(batch);
    const zeros = new Float32Array(acted.length);
    // Blocks: as asked (actions, prompt), without actions (prompt), without the prompt (actions).
    const guided = new GuidedRollout(
      model.rollout(3 * batch, Float32Array.from([...acted, ...zeros, ...acted])),
      [ga, gp],
      width,
    );
    const asked = model.rollout(batch, acted);
    const noActions = model.rollout(batch, zeros);
    const noPrompt = model.rollout(batch, acted);
    assert.equal(guided.batch, batch);
    // [batch, 4]: two word slots (word ids follow the 64000 visual tokens; 64000 is the blank), two tokens.
    const prompted = [64030, 64100, 7, 8, 64200, 64031, 9, 10];
    const blank = [64000, 64000, 7, 8, 64000, 64000, 9, 10];
    let feed: number[] = prompted;
    for (let step = 0; step < 3; step++) {
      const [side, a, b, c] = await Promise.all([
        step === 0 ? guided.step(prompted, [prompted, blank]) : guided.step(feed),
        asked.step(feed),
        noActions.step(feed),
        noPrompt.step(step === 0 ? blank : feed),
      ]);
      assert.equal(a.length, batch * width);
      assert.equal(side.length, 3 * a.length);
      let moved = 0;
      for (let r = 0; r < batch; r++) {
        // Row r: as asked, then without actions, then without the prompt.
        const row = rowOf(side, r, 3 * width);
        assertSameRow(row.slice(0, width), rowOf(a, r, width), `step ${step} row ${r} as asked`);
        assertSameRow(row.slice(width, 2 * width), rowOf(b, r, width), `step ${step} row ${r} no actions`);
        assertSameRow(row.slice(2 * width), rowOf(c, r, width), `step ${step} row ${r} no prompt`);
        let start = 0;
        levels.forEach((n, digit) => {
          const mixed = head.logits(side, r * head.width, digit, []);
          assert.equal(mixed.length, n);
          for (let v = 0; v < n; v++) {
            const i = r * width + start + v;
            const want = a[i]! + ga * (a[i]! - b[i]!) + gp * (a[i]! - c[i]!);
            assert.ok(Math.abs(mixed[v]! - want) < 1e-4, `step ${step} row ${r} digit ${digit} value ${v}`);
            moved = Math.max(moved, Math.abs(a[i]! - c[i]!));
          }
          start += n;
        });
      }
      assert.ok(moved > 0.01, `the prompt changes the stand-in's logits (by ${moved})`);
      feed = [step * 17 + 1, step * 5 + 2];
    }
  } finally {
    await model.close();
  }
});

test('predict with action guidance: 0 is the model as trained, more changes the futures; the manifest sets the default', async () => {
  const frames = [{ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) }];
  const actions = Array.from({ length: 33 }, (_, f) => [0.02 * f, -0.01 * f, 0, 0, 0, 0, 1]);
  const request = { frames, samples: 2, seed: 4, actions };
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  const guiding = standInStore(dir, 'world-guiding', { ...STAND_IN_CONFIG, actionGuidance: 3 });
  const recommending = await Predictor.load(guiding, 'world-guiding', { providers: ['cpu'] });
  try {
    const plain = await predictor.predict(request);
    assert.deepEqual(
      (await predictor.predict({ ...request, actionGuidance: 0 })).tokens.data,
      plain.tokens.data,
    );
    const guided = await predictor.predict({ ...request, actionGuidance: 3 });
    assert.notDeepEqual(guided.tokens.data, plain.tokens.data);
    assert.equal(guided.futures.length, 2);
    assert.deepEqual(guided.warnings, []);
    // The manifest's config.actionGuidance is the default, a request's own wins.
    assert.deepEqual((await recommending.predict(request)).tokens.data, guided.tokens.data);
    assert.deepEqual(
      (await recommending.predict({ ...request, actionGuidance: 0 })).tokens.data,
      plain.tokens.data,
    );
    // Without actions, the manifest's default stays silent and an asked-for guidance is said to be ignored.
    assert.deepEqual((await recommending.predict({ frames, samples: 1 })).warnings, []);
    assert.deepEqual((await predictor.predict({ frames, samples: 1, actionGuidance: 2 })).warnings, [
      'action guidance needs --actions: it was ignored',
    ]);
    for (const bad of [-1, Number.NaN, 21])
      await assert.rejects(
        async () => predictor.predict({ ...request, actionGuidance: bad }),
        /action-guidance must be a number from 0 to 20/,
      );
  } finally {
    await predictor.close();
    await recommending.close();
  }
});

test('predict with prompt guidance: 0 is the model as trained, more changes the futures; the manifest sets the default', async () => {
  const frames = [{ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) }];
  const actions = Array.from({ length: 33 }, (_, f) => [0.02 * f, -0.01 * f, 0, 0, 0, 0, 1]);
  const request = { frames, samples: 2, seed: 4, prompt: 'a red ball rolls down the slope' };
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  const guiding = standInStore(dir, 'world-prompt-guiding', { ...STAND_IN_CONFIG, promptGuidance: 2 });
  const recommending = await Predictor.load(guiding, 'world-prompt-guiding', { providers: ['cpu'] });
  try {
    const plain = await predictor.predict(request);
    assert.deepEqual(
      (await predictor.predict({ ...request, promptGuidance: 0 })).tokens.data,
      plain.tokens.data,
    );
    const guided = await predictor.predict({ ...request, promptGuidance: 2 });
    assert.notDeepEqual(guided.tokens.data, plain.tokens.data);
    assert.deepEqual(guided.warnings, []);
    assert.deepEqual((await recommending.predict(request)).tokens.data, guided.tokens.data);
    assert.deepEqual(
      (await recommending.predict({ ...request, promptGuidance: 0 })).tokens.data,
      plain.tokens.data,
    );
    // With actions too: both guidances at once differ from either alone.
    const both = await predictor.predict({ ...request, actions, actionGuidance: 3, promptGuidance: 2 });
    const actionOnly = await predictor.predict({ ...request, actions, actionGuidance: 3 });
    const promptOnly = await predictor.predict({ ...request, actions, promptGuidance: 2 });
    assert.notDeepEqual(both.tokens.data, actionOnly.tokens.data);
    assert.notDeepEqual(both.tokens.data, promptOnly.tokens.data);
    assert.notDeepEqual(promptOnly.tokens.data, actionOnly.tokens.data);
    // Without a prompt, the manifest's default stays silent and an asked-for guidance is said to be ignored;
    // the futures are those of no guidance.
    const blank = await recommending.predict({ frames, samples: 2, seed: 4 });
    assert.deepEqual(blank.warnings, []);
    assert.deepEqual(
      blank.tokens.data,
      (await predictor.predict({ frames, samples: 2, seed: 4 })).tokens.data,
    );
    assert.deepEqual((await predictor.predict({ frames, samples: 1, promptGuidance: 2 })).warnings, [
      'prompt guidance needs --prompt: it was ignored',
    ]);
    assert.deepEqual(
      (await predictor.predict({ frames, samples: 1, prompt: ' ?! ', promptGuidance: 2 })).warnings,
      ['prompt guidance needs --prompt: it was ignored'],
    );
    for (const bad of [-1, Number.NaN, 21])
      await assert.rejects(
        async () => predictor.predict({ ...request, promptGuidance: bad }),
        /prompt-guidance must be a number from 0 to 20/,
      );
  } finally {
    await predictor.close();
    await recommending.close();
  }
});

test('a manifest may guide the prompt more with more conditioning frames (config.promptGuidanceFromFrames); a scale asked for wins', async () => {
  const grey = (v: number) => ({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(v) });
  const one = [grey(90)];
  const nine = Array.from({ length: 9 }, (_, f) => grey(90 + 10 * f));
  const request = { samples: 2, seed: 4, prompt: 'a red ball rolls down the slope' };
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  const byFrames = standInStore(dir, 'world-guides-by-frames', {
    ...STAND_IN_CONFIG,
    promptGuidance: 1,
    promptGuidanceFromFrames: { '9': 2.5 },
  });
  const recommending = await Predictor.load(byFrames, 'world-guides-by-frames', { providers: ['cpu'] });
  const tokens = async (p: Predictor, frames: typeof one, promptGuidance?: number) =>
    (await p.predict({ ...request, frames, ...(promptGuidance !== undefined ? { promptGuidance } : {}) }))
      .tokens.data;
  try {
    assert.equal(recommending.settings({}, 1).promptGuidance, 1);
    assert.equal(recommending.settings({}, 8).promptGuidance, 1);
    assert.equal(recommending.settings({}, 9).promptGuidance, 2.5);
    assert.equal(recommending.settings({ promptGuidance: 0 }, 9).promptGuidance, 0);
    // The futures are those of the scale it resolves to.
    assert.deepEqual(await tokens(recommending, one), await tokens(predictor, one, 1));
    assert.deepEqual(await tokens(recommending, nine), await tokens(predictor, nine, 2.5));
    assert.notDeepEqual(await tokens(predictor, nine, 2.5), await tokens(predictor, nine, 1));
    assert.deepEqual(await tokens(recommending, nine, 1), await tokens(predictor, nine, 1));
  } finally {
    await predictor.close();
    await recommending.close();
  }
  for (const [bad, name] of [
    [{ '0': 2 }, 'zero-frames'],
    [{ '9': -1 }, 'negative'],
    [{ nine: 2 }, 'word'],
    [[9, 2], 'array'],
  ] as const) {
    const store = standInStore(dir, `world-bad-from-frames-${name}`, {
      ...STAND_IN_CONFIG,
      promptGuidanceFromFrames: bad,
    });
    await assert.rejects(
      Predictor.load(store, `world-bad-from-frames-${name}`, { providers: ['cpu'] }),
      /MODEL_MANIFEST_INVALID|has no valid config.promptGuidanceFromFrames \(an object of conditioning frame counts to scales/,
    );
  }
});

test('a rollout that sheds rows goes on as one of that many rows fed the same; a guided one released of its prompt block gives its asked rows and zeros', async () => {
  const model = await loadWorldModel(store, 'world-stand-in', { providers: ['cpu'] });
  try {
    const width = featureWidth(model.config);
    const acted = actionsOf(3);
    const three = model.rollout(3, acted);
    const two = model.rollout(2, acted.slice(0, 2 * FEATURES));
    await three.step([5, 9, 700, 3, 2, 11]);
    await two.step([5, 9, 700, 3]);
    three.narrow!(2);
    assert.equal(three.batch, 2);
    assert.equal(three.length, two.length);
    let feed = [4, 8];
    for (let step = 0; step < 3; step++) {
      const [a, b] = await Promise.all([three.step(feed), two.step(feed)]);
      assertSameRow(Array.from(a), Array.from(b), `step ${step} after narrowing`);
      feed = [step + 20, step * 3 + 1];
    }
    assert.throws(() => three.narrow!(0), /cannot narrow a rollout of 2 rows to 0/);
    // Guided on the prompt (one condition): after release(1) each position's row is the asked row, then zeros.
    const guided = new GuidedRollout(model.rollout(4, actionsOf(4)), 2, width);
    const asked = model.rollout(2, actionsOf(4).slice(0, 2 * FEATURES));
    await guided.step([64030, 7, 64031, 9], [[64000, 7, 64000, 9]]);
    await asked.step([64030, 7, 64031, 9]);
    assert.equal(guided.release(1), true);
    assert.equal(guided.batch, 2);
    const [side, a] = await Promise.all([guided.step([3, 4]), asked.step([3, 4])]);
    assert.equal(side.length, 2 * a.length);
    for (let r = 0; r < 2; r++) {
      const row = rowOf(side, r, 2 * width);
      assertSameRow(row.slice(0, width), rowOf(a, r, width), `row ${r} as asked`);
      assert.ok(
        row.slice(width).every((v) => v === 0),
        `row ${r}: the released block's place holds zeros`,
      );
    }
    assert.equal(guided.release(1), false, 'nothing left to release');
  } finally {
    await model.close();
  }
});

test('prompt guidance over the first frames: those frames as fully guided, shedding its rows changes no token; the manifest sets the default; bad counts refused', async () => {
  const frames = [{ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) }];
  const request = {
    frames,
    samples: 2,
    seed: 4,
    prompt: 'a red ball rolls down the slope',
    promptGuidance: 2,
  };
  const predictor = await Predictor.load(store, 'world-stand-in', { providers: ['cpu'] });
  const early = standInStore(dir, 'world-early-guiding', {
    ...STAND_IN_CONFIG,
    promptGuidance: 2,
    promptGuidanceFrames: 1,
  });
  const recommending = await Predictor.load(early, 'world-early-guiding', { providers: ['cpu'] });
  // The same model with rollouts that cannot shed rows: the released block is still run, its scale 0.
  const model = predictor.model;
  const keeping = Predictor.of(
    {
      specificationVersion: 'v1',
      name: model.name,
      version: model.version,
      config: model.config,
      rollout: (batch, actions) => {
        const inner = model.rollout(batch, actions);
        return {
          get batch() {
            return inner.batch;
          },
          get length() {
            return inner.length;
          },
          step: (tokens) => inner.step(tokens),
        };
      },
      close: async () => {},
      [Symbol.asyncDispose]: async () => {},
    },
    predictor.tokenizer,
  );
  try {
    const [, rows, cols] = STAND_IN_CONFIG.grid;
    const perFrame = rows * cols;
    const full = await predictor.predict(request);
    const plain = await predictor.predict({ ...request, promptGuidance: 0 });
    const first = await predictor.predict({ ...request, promptGuidanceFrames: 1 });
    const total = full.tokens.dims[1];
    const generated = (p: typeof full, from: number, to: number) =>
      [0, 1].flatMap((b) =>
        Array.from(
          p.tokens.data.subarray((b * total + 1 + from) * perFrame, (b * total + 1 + to) * perFrame),
        ),
      );
    assert.deepEqual(
      generated(first, 0, 1),
      generated(full, 0, 1),
      'the first generated latent frame as fully guided',
    );
    assert.notDeepEqual(generated(first, 1, total - 1), generated(full, 1, total - 1));
    assert.notDeepEqual(first.tokens.data, plain.tokens.data);
    assert.deepEqual(
      (await keeping.predict({ ...request, promptGuidanceFrames: 1 })).tokens.data,
      first.tokens.data,
    );
    assert.deepEqual(
      (await predictor.predict({ ...request, promptGuidanceFrames: total - 1 })).tokens.data,
      full.tokens.data,
    );
    assert.deepEqual(
      (await predictor.predict({ ...request, promptGuidanceFrames: 0 })).tokens.data,
      full.tokens.data,
    );
    assert.deepEqual(
      (await recommending.predict({ ...request, promptGuidance: undefined })).tokens.data,
      first.tokens.data,
    );
    assert.deepEqual(
      (await predictor.predict({ ...request, promptGuidance: 0, promptGuidanceFrames: 1 })).warnings,
      ['--prompt-guidance-frames limits prompt guidance, which is off: it was ignored'],
    );
    assert.deepEqual(first.warnings, []);
    for (const bad of [-1, 1.5, 5])
      await assert.rejects(
        async () => predictor.predict({ ...request, promptGuidanceFrames: bad }),
        /prompt-guidance-frames must be a whole number from 0 to 4/,
      );
  } finally {
    await predictor.close();
    await recommending.close();
  }
});
