import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { runOrbis, tempDir } from '../../test/support.js';
import { psnr } from '../eval/index.js';
import { captionPrompt, Predictor, scenarioStart } from '../predict/index.js';
import { ModelStore } from '../runtime/index.js';
import type { TokenizerFrame } from '../tokenizer/index.js';

/**
 * The world model shipped in models/ loads and predicts a held-out sim world (seed 950000: training used
 * seeds below 10000, its held-out checks 900000-900003, the physics suite 1000000 on) from 9 frames and the
 * caption. Each future must stay near the truth (above a PSNR floor about 3 dB under what it gets; a broken
 * export or untrained weights give noise near 10 dB) and at its recommended sampling the futures must differ.
 */
const FLOOR_DB = 23; // measured 26.9 dB for the first future (world-dv4x8x8, 7 layers, every patch through the decoder; its 4-layer version 26.5 and 26.6)

test('the shipped world model predicts a held-out world near the truth, and its futures differ', async () => {
  const store = new ModelStore({ cacheDir: join(mkdtempSync(join(tmpdir(), 'orbis-world-')), 'cache') });
  const { models } = await store.list();
  const worlds = models.filter((m) => m.manifest.family === 'world-model').map((m) => m.manifest.name);
  assert.deepEqual(worlds, ['world-dv4x8x8']);
  const predictor = await Predictor.load(store, 'world-dv4x8x8');
  try {
    const [height, width] = predictor.config.size;
    const start = await scenarioStart('dominoes', 950_000, { frames: 9, length: 33, width, height, look: 1 });
    const result = await predictor.predict({
      frames: start.frames,
      prompt: captionPrompt(start.caption, predictor.config.promptLength),
      samples: 2,
      seed: 0,
    });
    const image = (f: TokenizerFrame) => ({ width: f.width, height: f.height, channels: 3, data: f.data });
    const score = (future: TokenizerFrame[]) =>
      future.slice(9).reduce((s, f, i) => s + psnr(image(f), image(start.truth[i + 9]!)), 0) / 24;
    for (const future of result.futures) {
      const db = score(future);
      assert.ok(db > FLOOR_DB, `future PSNR ${db.toFixed(2)} dB, floor ${FLOOR_DB} dB`);
    }
    const differ = result.futures[0]!.slice(9).some(
      (f, i) => Buffer.compare(f.data, result.futures[1]![i + 9]!.data) !== 0,
    );
    assert.ok(differ, 'two futures drawn at the recommended sampling are the same');
    // Its manifest's keepUnchanged, against every patch through the decoder: the same tokens; every pixel that
    // differs is the last input frame's, dominoes keep many, and they bring the future nearer the truth.
    assert.equal(predictor.config.keepUnchanged, true);
    const decoded = await predictor.predict({
      frames: start.frames,
      prompt: captionPrompt(start.caption, predictor.config.promptLength),
      samples: 2,
      seed: 0,
      keepUnchanged: false,
    });
    assert.deepEqual(result.tokens.data, decoded.tokens.data);
    const last = start.frames[8]!.data;
    let changed = 0;
    for (const [b, future] of result.futures.entries())
      for (const [i, f] of future.entries()) {
        const plain = decoded.futures[b]![i]!.data;
        for (let p = 0; p < f.data.length; p++)
          if (f.data[p] !== plain[p]) {
            assert.equal(f.data[p], last[p], `future ${b} frame ${i} byte ${p}: not the input's`);
            changed++;
          }
      }
    assert.ok(changed > 10_000, `only ${changed} bytes drawn from the input`);
    assert.ok(
      score(result.futures[0]!) > score(decoded.futures[0]!),
      'the kept patches bring the future nearer the truth',
    );
  } finally {
    await predictor.close();
  }
});

/**
 * `eval actions` on a world model also scores the truth through the model's tokenizer and back: what a perfect
 * model in those tokens could show, beside what this one shows.
 */
test('eval actions on the shipped world model reports its token space ceiling', async () => {
  const dir = tempDir('orbis-world-actions-');
  const args = ['eval', 'actions', '--model', 'world-dv4x8x8', '--seeds', '1', '--samples', '1'];
  const run = await runOrbis([...args, '--json'], dir);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.tokenSpace.tokenizer, 'tokenizer-dv4x8x8');
  // The round trip of each sequence's own truth: its margin is a number, not the copy-last 0 of an unused path.
  assert.ok(Number.isFinite(report.tokenSpace.mean.objectsMargin));
  assert.notEqual(report.tokenSpace.mean.psnrOwn, report.mean.psnrOwn);
  const text = await runOrbis(args, dir);
  assert.match(
    text.stdout,
    /the truth through tokenizer-dv4x8x8 and back \(a perfect model in its tokens\): margin effector -?\d\.\d{3}/,
  );
});
