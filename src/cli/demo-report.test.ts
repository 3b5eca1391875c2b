import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureStream, tempDir } from '../../test/support.js';
import { STAND_IN_CONFIG, standInStore } from '../predict/testing.js';
import { ModelStore } from '../runtime/index.js';
import { probe } from '../video/index.js';
import { findWorldModel, NO_WORLD_MODEL_LINE, predictHeldOutWorld } from './commands/demo-report.js';
import { createContext } from './context.js';

function context(modelDir: string) {
  const env = {
    ...process.env,
    ORBIS_PROGRESS: 'none',
    ORBIS_MODEL_DIR: modelDir,
    ORBIS_CACHE_DIR: join(modelDir, 'cache'),
  };
  const io = { stdout: captureStream(), stderr: captureStream(), env, cwd: modelDir };
  return createContext({ progress: 'none' }, io, new AbortController().signal);
}

test("the demo's report: 4 futures of a held-out world beside the truth, scored with copy-last", async () => {
  const dir = tempDir('orbis-demo-report-');
  // The stand-in at the physics suite's size (128x128, an 8x8 token grid per latent frame).
  standInStore(dir, 'world-stand-in-128', { ...STAND_IN_CONFIG, size: [128, 128], grid: [5, 8, 8] });
  const out = join(dir, 'predict');
  const { line, summary } = await predictHeldOutWorld(context(dir), out, {
    worldModel: 'world-stand-in-128',
  });
  assert.match(
    line,
    /^world-stand-in-128: 4 futures of held-out unstable-stack seed \d+ from 1 frame, mean IoU/,
  );
  assert.ok(summary);
  assert.equal(summary.report, join(out, 'report.html'));
  const html = readFileSync(summary.report, 'utf8');
  const videos = [...html.matchAll(/<video src="([^"]+)" autoplay loop muted/g)].map((m) => m[1]!);
  assert.deepEqual(videos, [
    'truth.mp4',
    'future-0.mp4',
    'future-1.mp4',
    'future-2.mp4',
    'future-3.mp4',
    'copy-last.mp4',
  ]);
  for (const v of [...videos, 'grid.mp4']) assert.ok(existsSync(join(out, v)), `${v} is written`);
  const truth = await probe(join(out, 'truth.mp4'));
  assert.equal(truth.video.frameCount, 33);
  assert.equal(truth.video.width, 128);
  const grid = await probe(join(out, 'grid.mp4'));
  assert.equal(grid.video.width, 5 * 128 + 4 * 2);
  // The score table: a row per future, their mean, copy-last and the tracker's ceiling, 3 scores each.
  const table = html.match(/<table id="scores">([\s\S]*?)<\/table>/)?.[1] ?? '';
  assert.match(table, /<th>PSNR<\/th><th>SSIM<\/th><th>IoU<\/th>/);
  const rows = [...table.matchAll(/<tr><td>([^<]+)<\/td>(?:<td>[^<]+<\/td>){3}<\/tr>/g)].map((m) => m[1]);
  assert.deepEqual(rows, [
    'future 0',
    'future 1',
    'future 2',
    'future 3',
    'futures, mean',
    'copy-last baseline',
    'truth (tracker ceiling)',
  ]);
  assert.equal(summary.futures.length, 4);
  for (const f of [...summary.futures, summary.copyLast]) {
    assert.ok(f.psnr > 0 && f.psnr <= 100, `psnr ${f.psnr}`);
    assert.ok(f.ssim <= 1);
  }
  assert.ok(summary.trackerIou > 0.5, `tracker ceiling ${summary.trackerIou}`);
  assert.ok(html.includes(summary.note) && /copy-last/.test(summary.note));
  assert.match(html, /world-stand-in-128 \(version 0\)/);
  assert.match(html, /Drawn as .*temperature [0-9.]+/);
});

test('without a world model the step is skipped with one line; a model of another size too', async () => {
  const empty = tempDir('orbis-demo-none-');
  // Stores without the shipped models/ (which hold a world model): only the test's folder.
  const only = (dir: string) =>
    new ModelStore({ shippedDir: join(dir, 'no-shipped'), userDir: dir, cacheDir: join(dir, 'cache') });
  const none = await predictHeldOutWorld(context(empty), join(empty, 'predict'), { store: only(empty) });
  assert.equal(none.line, NO_WORLD_MODEL_LINE);
  assert.match(none.line, /training\/world\/README\.md/);
  assert.equal(none.summary, undefined);
  assert.ok(!existsSync(join(empty, 'predict')));
  await assert.rejects(
    findWorldModel(context(empty), 'world-nope', only(empty)),
    /world-nope is not an installed world model/,
  );

  const small = tempDir('orbis-demo-32-');
  standInStore(small, 'world-stand-in');
  const r = await predictHeldOutWorld(context(small), join(small, 'predict'), { store: only(small) });
  assert.match(r.line, /world-stand-in generates 32x32, not the physics suite's 128x128/);
  assert.ok(!existsSync(join(small, 'predict')));
});
