import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { standInLpips } from '../../test/onnx-model.js';
import { ffmpeg, ffmpegChildren, runOrbis, tempDir } from '../../test/support.js';
import { renderTwoPlanes } from '../../test/two-planes.js';
import { encodeClip, makeTestVideo, type TestVideo } from '../video/index.js';

const dir = tempDir();
let target: TestVideo;

before(async () => {
  target = await makeTestVideo(join(dir, 'target.mp4'), {
    shots: 1,
    shotSeconds: 1,
    width: 192,
    height: 176,
    crf: 10,
  });
  ffmpeg('-i', target.path, '-c:v', 'libx264', '-crf', '40', join(dir, 'pred.mp4'));
  ffmpeg('-i', target.path, '-vf', 'scale=96:88', '-c:v', 'libx264', join(dir, 'small.mp4'));
  ffmpeg('-i', target.path, '-frames:v', '10', '-c:v', 'libx264', join(dir, 'short.mp4'));
});

const run = (args: string[]) => runOrbis(args, dir);

test('eval compare scores a degraded video below a perfect copy', async () => {
  const bad = await run([
    'eval',
    'compare',
    join(dir, 'pred.mp4'),
    target.path,
    '--metrics',
    'psnr,ssim,ms-ssim',
    '--json',
  ]);
  assert.equal(bad.code, 0, bad.stderr);
  const scores = JSON.parse(bad.stdout) as { frames: number; metrics: Record<string, number> };
  assert.equal(scores.frames, target.frames);
  const self = JSON.parse((await run(['eval', 'compare', target.path, target.path, '--json'])).stdout) as {
    metrics: Record<string, number>;
  };
  assert.equal(self.metrics.psnr, 100, 'identical frames are capped at 100 dB');
  assert.ok(Math.abs(self.metrics.ssim! - 1) < 1e-9);
  assert.ok(scores.metrics.psnr! < 40 && scores.metrics.psnr! > 15, `psnr ${scores.metrics.psnr}`);
  assert.ok(scores.metrics.ssim! < 0.99 && scores.metrics['ms-ssim']! > scores.metrics.ssim! - 0.2);
});

test('eval compare: mismatched sizes, lengths and unknown metrics get one-line errors, or --resize/--align', async () => {
  const cases: [string[], RegExp][] = [
    [['eval', 'compare', join(dir, 'small.mp4'), target.path], /differ in size.*--resize/],
    [['eval', 'compare', join(dir, 'short.mp4'), target.path], /differ in length.*--align/],
    [['eval', 'compare', target.path, target.path, '--metrics', 'psnr,vmaf'], /unknown metric "vmaf"/],
    [['eval', 'compare', join(dir, 'missing.mp4'), target.path], /VIDEO_NOT_FOUND/],
  ];
  for (const [args, pattern] of cases) {
    const result = await run(args);
    assert.equal(result.code, 1, args.join(' '));
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, pattern);
  }
  const resized = await run(['eval', 'compare', join(dir, 'small.mp4'), target.path, '--resize', '--json']);
  assert.equal(resized.code, 0, resized.stderr);
  const aligned = await run(['eval', 'compare', join(dir, 'short.mp4'), target.path, '--align', '--json']);
  assert.equal((JSON.parse(aligned.stdout) as { frames: number }).frames, 10);
  assert.deepEqual(ffmpegChildren(), []);
});

test('eval geometry finds consistent camera motion in a static scene and reports success and Sampson error', async () => {
  const k = { fx: 350, fy: 350, cx: 240, cy: 135 };
  const frames = Array.from({ length: 4 }, (_, i) => {
    const image = renderTwoPlanes(k, 480, 270, [1, 0, 0, 0, 1, 0, 0, 0, 1], [-0.08 * i, 0, 0.02 * i]);
    const rgb = new Uint8Array(image.data.length * 3).map((_, j) => image.data[Math.floor(j / 3)]!);
    return {
      index: i,
      pts: i,
      timeBase: { num: 1, den: 10 },
      timestamp: i / 10,
      width: 480,
      height: 270,
      pixelFormat: 'rgb24' as const,
      data: rgb,
    };
  });
  const video = join(dir, 'walk.mp4');
  await encodeClip(frames, video, { crf: 12, preset: 'veryfast', inputFps: 10 });
  const result = await run(['eval', 'geometry', video, '--intrinsics', '350,350,240,135', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { pairs: number; successRate: number; sampsonError: number };
  assert.equal(report.pairs, 3);
  assert.equal(report.successRate, 1);
  assert.ok(report.sampsonError < 1.5, `Sampson error ${report.sampsonError}`);
  const bad = await run(['eval', 'geometry', video, '--intrinsics', '1,2,3']);
  assert.match(bad.stderr, /^orbis: INVALID_ARGUMENT: --intrinsics/);
});

test('eval compare runs learned metrics from a model folder, and names the missing file otherwise', async () => {
  const models = join(dir, 'models');
  mkdirSync(models, { recursive: true });
  writeFileSync(join(models, 'lpips-alex.onnx'), standInLpips());
  const ok = await run([
    'eval',
    'compare',
    join(dir, 'pred.mp4'),
    target.path,
    '--metrics',
    'lpips',
    '--model-dir',
    models,
    '--json',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const lpips = (JSON.parse(ok.stdout) as { metrics: { lpips: number } }).metrics.lpips;
  assert.ok(lpips > 0 && lpips < 1, `stand-in LPIPS ${lpips}`);
  const missing = await run([
    'eval',
    'compare',
    target.path,
    target.path,
    '--metrics',
    'dreamsim',
    '--model-dir',
    models,
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^orbis: MODEL_NOT_FOUND: .*dreamsim\.onnx/);
});
