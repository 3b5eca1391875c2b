import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { runOrbis, tempDir } from '../../test/support.js';
import type { Frame } from '../core/index.js';
import { decodeFrames } from '../video/index.js';

/**
 * `orbis eval physics` on real held-out sim clips (two scenarios, one view, so it stays fast). Thresholds
 * from the measured values with margin: tracker IoU on the true future 0.97 (stable-stack) and 0.94
 * (free-fall) at view 0, floor 0.85; copy-last 0.97 on the still stack, 0.08 on free-fall.
 */
const dir = tempDir('orbis-physics-');
const run = (args: string[]) => runOrbis(['eval', 'physics', ...args], dir);

interface Report {
  rows: { scenario: string; psnr: number; ssim: number; iou: number; trackerIou: number }[];
}

test('eval physics: the tracker is near the truth; copy-last holds a still stack and loses a falling object', async () => {
  const result = await run([
    '--model',
    'copy-last',
    '--scenarios',
    'stable-stack,free-fall',
    '--views',
    '0',
    '--json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as Report;
  const row = (name: string) => report.rows.find((r) => r.scenario === name)!;
  for (const r of report.rows) assert.ok(r.trackerIou > 0.85, `${r.scenario}: tracker IoU ${r.trackerIou}`);
  assert.ok(row('stable-stack').iou > 0.9, `copy-last on stable-stack ${row('stable-stack').iou}`);
  assert.ok(row('free-fall').iou < 0.3, `copy-last on free-fall ${row('free-fall').iou}`);
  const table = await run([
    '--model',
    'constant-velocity',
    '--frames',
    '9',
    '--scenarios',
    'free-fall',
    '--views',
    '0',
  ]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /free-fall .*\nmean .*\ntracker IoU/);
  assert.match(table.stdout, /on their scenes, not ours/);
});

test('eval physics --save writes each clip as truth and futures side by side, the scored objects outlined', async () => {
  const save = join(dir, 'saved');
  const args = ['--model', 'constant-velocity', '--frames', '9', '--scenarios', 'free-fall', '--views', '0'];
  const result = await run([...args, '--save', save]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /videos: .*saved\/<scenario>-seed<seed>-view<view>\.mp4/);
  const frames: Frame[] = [];
  for await (const f of decodeFrames(join(save, 'free-fall-seed1000000-view0.mp4'))) frames.push(f);
  assert.equal(frames.length, 33);
  // The truth, then the one future of a deterministic predictor, 2 px apart.
  assert.equal(frames[0]!.width, 2 * 128 + 2);
  const count = (f: Frame, x0: number, test: (r: number, g: number, b: number) => boolean) => {
    let n = 0;
    for (let y = 0; y < 128; y++)
      for (let x = x0; x < x0 + 128; x++) {
        const i = 3 * (y * f.width + x);
        if (test(f.data[i]!, f.data[i + 1]!, f.data[i + 2]!)) n++;
      }
    return n;
  };
  const magenta = (r: number, g: number, b: number) => r > 170 && g < 110 && b > 170;
  const green = (r: number, g: number, b: number) => g > 170 && r < 110 && b < 110;
  assert.ok(count(frames[12]!, 0, green) > 10, 'the truth outlined in green');
  assert.ok(count(frames[12]!, 130, magenta) > 10, "the future outlined in magenta (the tracker's masks)");
  assert.equal(count(frames[12]!, 0, magenta), 0, 'no tracker outline on the truth');
  // A --save that cannot be a folder (a file is there) is one clear line, before any clip is scored.
  const blocked = await run([...args, '--save', join(save, 'free-fall-seed1000000-view0.mp4')]);
  assert.equal(blocked.code === 0, false);
  assert.match(blocked.stderr, /cannot create the output directory .*view0\.mp4.*choose another --save/s);
});

test('eval physics: tokenizer:<name> is the round-trip ceiling of another installed tokenizer', async () => {
  const result = await run([
    '--model',
    'tokenizer:tokenizer-dv4x8x8',
    '--scenarios',
    'stable-stack',
    '--views',
    '0',
    '--samples',
    '1',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /physics alignment: tokenizer:tokenizer-dv4x8x8,/);
  assert.match(result.stdout, /through tokenizer-dv4x8x8 \(encode \+ decode\)/);
  // A still stack survives the 4x8x8 round trip: its IoU stays near the tracker's ceiling.
  const iou = Number(/\nstable-stack +1 +[\d.]+ +[\d.]+ +([\d.]+)/.exec(result.stdout)?.[1]);
  assert.ok(iou > 0.85, `round-trip IoU on stable-stack ${iou}`);
});

test('eval physics: bad --frames, unknown models and unsupported settings are one-line errors', async () => {
  const cases: [string[], RegExp][] = [
    [['--model', 'copy-last', '--frames', '3'], /--frames must be 1 or 9/],
    [['--model', 'world-model-x'], /unknown model "world-model-x".*copy-last, constant-velocity, tokenizer/],
    [
      ['--model', 'tokenizer:tokenizer-x', '--offline'],
      /MODEL_NOT_FOUND: model "tokenizer-x" is not installed/,
    ],
    [['--model', 'constant-velocity', '--frames', '1'], /cannot condition on 1 frame.*--frames 9/],
    [['--model', 'copy-last', '--scenarios', 'push'], /"push" is not a physics-suite scenario/],
  ];
  for (const [args, pattern] of cases) {
    const result = await run(args);
    assert.equal(result.code, 1, args.join(' '));
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, pattern);
  }
});
