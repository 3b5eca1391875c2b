import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { psnr } from '../eval/index.js';
import { ModelStore } from '../runtime/index.js';
import { findScenario, makeLook, renderView, simulate, worldViews } from '../sim/index.js';
import { type TokenizerFrame, VideoTokenizer } from '../tokenizer/index.js';

/**
 * The tokenizers shipped in models/ load, check their files, and round-trip a sim clip no seed of their
 * training used (training took seeds 0-23, their held-out evaluation 900000-900001) above a stated PSNR,
 * about 3 dB under what each gets on this clip (32.4, 29.3 and 26.8 dB when shipped). Each manifest's
 * held-out figure averages 32 clips of 10 scenarios.
 */
const FLOORS: Record<string, number> = {
  'tokenizer-cv4x8x8': 29,
  'tokenizer-dv4x8x8': 26,
  'tokenizer-dv8x16x16': 23.5,
};

async function heldOutClip(): Promise<TokenizerFrame[]> {
  const world = findScenario('dominoes')!.generate(950_000, { frames: 17, fps: 24 });
  const rollout = await simulate(world, 17, 24);
  const video = renderView(rollout, makeLook(world, 1), worldViews(world, 128, 128)[2]!);
  const plane = 128 * 128 * 3;
  return Array.from({ length: 17 }, (_, f) => ({
    width: 128,
    height: 128,
    data: video.rgb.slice(f * plane, (f + 1) * plane),
  }));
}

test('the shipped tokenizers round-trip a held-out sim clip above their stated PSNR', async () => {
  const store = new ModelStore({ cacheDir: join(mkdtempSync(join(tmpdir(), 'orbis-shipped-')), 'cache') });
  const { models, problems } = await store.list();
  assert.deepEqual(problems, []);
  const installed = models.filter((m) => m.manifest.family.startsWith('tokenizer'));
  assert.deepEqual(installed.map((m) => m.manifest.name).sort(), Object.keys(FLOORS).sort());
  const frames = await heldOutClip();
  for (const name of Object.keys(FLOORS)) {
    const tokenizer = await VideoTokenizer.load(store, name);
    try {
      const back = await tokenizer.roundTrip(frames);
      assert.equal(back.frames.length, frames.length);
      const image = (f: TokenizerFrame) => ({ width: f.width, height: f.height, channels: 3, data: f.data });
      const mean = frames.reduce((s, f, i) => s + psnr(image(back.frames[i]!), image(f)), 0) / frames.length;
      assert.ok(mean > FLOORS[name]!, `${name}: PSNR ${mean.toFixed(2)} dB, floor ${FLOORS[name]} dB`);
    } finally {
      await tokenizer.close();
    }
  }
});
