import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureStream, ffmpeg, tempDir } from '../../test/support.js';
import { standInStore } from '../predict/testing.js';
import { probe } from '../video/index.js';
import { runCli } from './index.js';

const dir = tempDir('orbis-predict-cli-');
standInStore(dir, 'world-stand-in');

async function orbis(args: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const env = {
    ...process.env,
    ORBIS_PROGRESS: 'none',
    ORBIS_MODEL_DIR: dir,
    ORBIS_CACHE_DIR: join(dir, 'cache'),
  };
  const code = await runCli(['predict', '--model', 'world-stand-in', ...args], {
    stdout,
    stderr,
    env,
    cwd: dir,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function fails(args: string[], words: RegExp): Promise<void> {
  const r = await orbis(args);
  assert.equal(r.code, 1, `${args.join(' ')} should fail`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, words);
}

test('orbis predict --input writes each future and a grid; a wrong-size image is resized with a warning', async () => {
  const image = join(dir, 'state.png');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1', image);
  const out = join(dir, 'out');
  const r = await orbis(['--input', image, '--samples', '2', '--length', '17', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.deepEqual(summary.futures, [join(out, 'future-0.mp4'), join(out, 'future-1.mp4')]);
  assert.match(summary.warnings[0], /state\.png is 64x48; it was resized to 32x32/);
  assert.match(r.stderr, /resized to 32x32/);
  const future = await probe(summary.futures[0]);
  assert.equal(future.video.width, 32);
  assert.equal(future.video.frameCount, 17);
  const grid = await probe(summary.grid);
  assert.equal(grid.video.width, 3 * 32 + 2 * 2);
  assert.equal(grid.video.frameCount, 17);
});

test('orbis predict --scenario starts from a fresh sim state, its caption the prompt, push its actions', async () => {
  const out = join(dir, 'push');
  const r = await orbis([
    '--scenario',
    'push',
    '--seed',
    '3',
    '--frames',
    '9',
    '--samples',
    '1',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.conditioningFrames, 9);
  assert.equal(summary.frames, 33);
  assert.ok(summary.prompt.length > 0, 'the caption is the prompt');
  assert.equal((await probe(summary.futures[0])).video.frameCount, 33);
});

test('bad inputs: one clear line each', async () => {
  const out = join(dir, 'bad');
  const image = join(dir, 'state.png');
  await fails(
    ['--input', image, '--samples', '0', '--out', out],
    /^orbis: INVALID_ARGUMENT: --samples must be 1 or more, not 0/,
  );
  await fails(['--input', image, '--drafts', '-1', '--out', out], /--drafts must be/);
  await fails(
    ['--input', image, '--frames', '5', '--out', out],
    /--frames must be 1 or 9 \(conditioning frames\), not 5/,
  );
  await fails(
    ['--input', image, '--frames', '9', '--out', out],
    /state\.png has 1 frame\(s\); --frames 9 needs 9; an image is one frame/,
  );
  await fails(
    ['--input', image, '--length', '34', '--out', out],
    /--length must be a whole number from 2 to 33/,
  );
  await fails(['--out', out], /give either --input <image\|video> or --scenario <name>/);
  await fails(['--scenario', 'lava', '--out', out], /^orbis: SIM_UNKNOWN_SCENARIO: unknown scenario "lava"/);
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
  await fails(
    ['--input', image, '--prompt', words, '--out', out],
    /the prompt has 20 words; this model takes at most 16/,
  );
  const actions = join(dir, 'actions.json');
  writeFileSync(actions, JSON.stringify(Array.from({ length: 10 }, () => [0, 0, 0, 0, 0, 0, 1])));
  await fails(
    ['--input', image, '--actions', actions, '--out', out],
    /the actions have 10 rows; a future of 33 frames needs 33/,
  );
  writeFileSync(actions, JSON.stringify(Array.from({ length: 33 }, () => [0, 0, 1])));
  await fails(['--input', image, '--actions', actions, '--out', out], /action row 0 is not 7 finite numbers/);
  writeFileSync(actions, '{not json');
  await fails(['--input', image, '--actions', actions, '--out', out], /the actions file .* is not JSON/);
});
