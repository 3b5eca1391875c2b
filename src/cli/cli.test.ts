import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { ffmpegChildren, runOrbis, tempDir } from '../../test/support.js';
import { makeTestAudio, makeTestVideo, type TestVideo } from '../video/index.js';

const dir = tempDir();
let video: TestVideo;
const bad: Record<string, [path: string, code: string]> = {};

before(async () => {
  video = await makeTestVideo(join(dir, 'good.mp4'), { shots: 2, shotSeconds: 1, width: 160, height: 120 });
  const camera = await makeTestVideo(join(dir, 'camera.mp4'), { shots: 1, faststart: false });
  writeFileSync(join(dir, 'zero.mp4'), '');
  writeFileSync(join(dir, 'text.mp4'), 'not a video at all\n');
  writeFileSync(join(dir, 'truncated.mp4'), readFileSync(camera.path).subarray(0, 15_000));
  await makeTestAudio(join(dir, 'audio.mp4'));
  Object.assign(bad, {
    'zero-byte file': [join(dir, 'zero.mp4'), 'VIDEO_EMPTY'],
    'text file named .mp4': [join(dir, 'text.mp4'), 'VIDEO_NOT_A_VIDEO'],
    'truncated MP4': [join(dir, 'truncated.mp4'), 'VIDEO_TRUNCATED'],
    'audio-only file': [join(dir, 'audio.mp4'), 'VIDEO_NO_VIDEO_STREAM'],
    'missing path': [join(dir, 'no such dir', 'missing é.mp4'), 'VIDEO_NOT_FOUND'],
    directory: [dir, 'VIDEO_IS_DIRECTORY'],
  });
});

const run = (args: string[]) => runOrbis(args, dir);

function commandsFor(path: string): string[][] {
  return [
    ['probe', path],
    ['frames', path, '--out', join(dir, 'frames-out')],
    ['clip', path, '--start', '0', '--end', '1', '--out', join(dir, 'clip-out.mp4')],
  ];
}

test('bad inputs: one line with the code, exit 1, no stack trace, no ffmpeg left running', async () => {
  for (const [name, [path, code]] of Object.entries(bad)) {
    for (const args of commandsFor(path)) {
      const result = await run(args);
      const label = `${args[0]} on ${name}`;
      assert.equal(result.code, 1, label);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${label}: ${result.stderr}`);
      assert.match(lines[0]!, new RegExp(`^orbis: ${code}: `), label);
      assert.doesNotMatch(result.stderr, /\n\s+at /, label);
      assert.equal(result.stdout, '', label);
      assert.deepEqual(ffmpegChildren(), [], label);
    }
  }
  assert.ok(!existsSync(join(dir, 'clip-out.mp4')), 'no partial clip');
});

test('--json errors are one JSON line; --debug adds the stack trace', async () => {
  const json = await run(['probe', bad['text file named .mp4']![0], '--json']);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stderr) as { error: { code: string; hint: string } };
  assert.equal(parsed.error.code, 'VIDEO_NOT_A_VIDEO');
  assert.ok(parsed.error.hint);
  const debug = await run(['probe', bad['zero-byte file']![0], '--debug']);
  assert.match(debug.stderr, /\n\s+at /);
});

test('a path with spaces and non-ASCII characters works in probe, frames and clip', async () => {
  const odd = join(dir, 'my vidéo 動画 (1).mp4');
  copyFileSync(video.path, odd);
  const probe = await run(['probe', odd, '--json']);
  assert.equal(probe.code, 0, probe.stderr);
  assert.equal(
    (JSON.parse(probe.stdout) as { video: { frameCount: number } }).video.frameCount,
    video.frames,
  );

  const out = join(dir, 'frames ünïcode');
  const frames = await run(['frames', odd, '--out', out, '--fps', '5', '--size', '80x60', '--json']);
  assert.equal(frames.code, 0, frames.stderr);
  const index = JSON.parse(readFileSync(join(out, 'frames.json'), 'utf8')) as {
    count: number;
    frames: { file: string; timestamp: number }[];
  };
  assert.equal(index.count, Math.round(video.duration * 5));
  assert.ok(existsSync(join(out, index.frames[0]!.file)));
  assert.ok(Math.abs(index.frames[1]!.timestamp - index.frames[0]!.timestamp - 0.2) < 1e-6);

  const clip = join(dir, 'clip é.mp4');
  const cut = await run([
    'clip',
    odd,
    '--start',
    '0.5',
    '--end',
    '1.5',
    '--out',
    clip,
    '--thumbnail',
    '--preset',
    'ultrafast',
  ]);
  assert.equal(cut.code, 0, cut.stderr);
  assert.match(cut.stdout, /30 frames/);
  assert.ok(existsSync(join(dir, 'clip é.jpg')));
});

test('bad arguments get one-line errors naming the option', async () => {
  const cases: [string[], RegExp][] = [
    [['clip', video.path, '--start', 'soon', '--end', '1', '--out', join(dir, 'x.mp4')], /--start/],
    [['clip', video.path, '--start', '2', '--end', '1', '--out', join(dir, 'x.mp4')], /--end/],
    [['clip', video.path, '--start', '0', '--end', '1', '--out', join(dir, 'x.mov')], /--out/],
    [['frames', video.path, '--out', join(dir, 'f'), '--size', 'big'], /--size/],
    [['frames', video.path, '--out', join(dir, 'f'), '--fps', '0'], /--fps/],
    [['frames', video.path], /--out/],
    [['probe'], /video/],
    [['probe', video.path, '--bogus'], /--bogus/],
    [['nonsense'], /nonsense/],
  ];
  for (const [args, pattern] of cases) {
    const result = await run(args);
    assert.equal(result.code, 1, args.join(' '));
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^orbis: INVALID_ARGUMENT: /);
    assert.match(result.stderr, pattern);
  }
});

test('a bad config value names the key', async () => {
  writeFileSync(join(dir, 'orbis.config.json'), JSON.stringify({ threads: -2 }));
  try {
    const result = await run(['probe', video.path]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^orbis: CONFIG_INVALID: config key "threads"/);
  } finally {
    writeFileSync(join(dir, 'orbis.config.json'), '{}');
  }
});

test('every command has --help', async () => {
  for (const command of ['probe', 'frames', 'clip', 'doctor', 'demo']) {
    const result = await run([command, '--help']);
    assert.equal(result.code, 0, command);
    assert.match(result.stdout, new RegExp(`Usage: orbis ${command}`));
  }
  const top = await run(['--help']);
  assert.match(top.stdout, /probe/);
  assert.match(top.stdout, /doctor/);
});

test('doctor reports ffmpeg, cores and GPUs', async () => {
  const result = await run(['doctor', '--json']);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    checks: { name: string; ok: boolean }[];
    hardware: { cpuCores: number };
  };
  assert.equal(result.code, report.ok ? 0 : 1);
  assert.ok(report.checks.find((c) => c.name === 'ffmpeg')?.ok);
  assert.ok(report.checks.some((c) => c.name === 'gpu'));
  assert.ok(report.hardware.cpuCores >= 1);
});

test('the installed command exits 1 with one line and no stack on a bad input', async () => {
  const bin = resolve(import.meta.dirname, '../../bin/orbis.mjs');
  const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
    execFile(process.execPath, [bin, 'probe', bad['zero-byte file']![0]], (error, _stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^orbis: VIDEO_EMPTY: .*\n$/);
});

test('the distributed commands fail in one line on a bad engine, an unreachable Redis, or an unknown run', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['worker', '--engine', 'http://localhost:6379'],
      /^orbis: ENGINE_INVALID: "http:\/\/localhost:6379" is not a Redis URL; use --engine redis:/,
    ],
    [
      ['curate', dir, '--out', join(dir, 'never'), '--engine', 'redis://127.0.0.1:1'],
      /^orbis: REDIS_UNREACHABLE: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/,
    ],
    [['runs', 'status', 'abc', '--engine', 'redis://127.0.0.1:1'], /^orbis: REDIS_UNREACHABLE/],
  ];
  for (const [args, expected] of cases) {
    const r = await run(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
});
