import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ffmpeg, ffprobeFrameTimes, noFfmpegChildrenWithin, tempDir } from '../../test/support.js';
import { type Frame, OrbisError } from '../core/index.js';
import { decodeFrames } from './decode.js';
import { probe } from './probe.js';
import { makeTestVideo, type TestVideo } from './test-video.js';
import { liveChildCount } from './tools.js';

const dir = tempDir();
let cfr: TestVideo;
let vfr: TestVideo;
let long: TestVideo;

before(async () => {
  cfr = await makeTestVideo(join(dir, 'cfr.mp4'), {
    shots: 3,
    shotSeconds: 1,
    width: 128,
    height: 96,
    transitions: ['cut'],
  });
  vfr = await makeTestVideo(join(dir, 'vfr.mp4'), {
    shots: 3,
    shotSeconds: 1,
    width: 128,
    height: 96,
    variableFrameRate: true,
  });
  long = await makeTestVideo(join(dir, 'long.mp4'), { shots: 2, shotSeconds: 5, width: 320, height: 240 });
});

async function collect(path: string, options = {}): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(path, options)) frames.push(frame);
  return frames;
}

function assertTimesMatch(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length, 'frame count');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) < 1e-6,
      `frame ${i}: ${actual[i]} vs ffprobe ${expected[i]}`,
    );
  }
}

test('constant frame rate: frame count and timestamps match ffprobe', async () => {
  const frames = await collect(cfr.path);
  assertTimesMatch(
    frames.map((f) => f.timestamp),
    ffprobeFrameTimes(cfr.path),
  );
  assert.equal(frames.length, cfr.frames);
  const first = frames[0]!;
  assert.equal(first.data.length, 128 * 96 * 3);
  assert.deepEqual(
    frames.map((f) => f.index),
    frames.map((_, i) => i),
  );
});

test('variable frame rate: every frame keeps its own timestamp, as ffprobe reports', async () => {
  const frames = await collect(vfr.path);
  const times = frames.map((f) => f.timestamp);
  assertTimesMatch(times, ffprobeFrameTimes(vfr.path));
  assertTimesMatch(times, vfr.timestamps);
  const gaps = new Set(times.slice(1).map((t, i) => Math.round((t - times[i]!) * 1000)));
  assert.ok(gaps.size > 1, 'gaps between frames vary');
});

test('start and end select [start, end) exactly; fps resamples; size and gray apply', async () => {
  const span = await collect(cfr.path, { start: 1, end: 2 });
  assert.equal(span.length, 30);
  assert.ok(Math.abs(span[0]!.timestamp - 1) < 1e-6);
  assert.ok(span.at(-1)!.timestamp < 2);

  const resampled = await collect(cfr.path, { fps: 10 });
  assert.equal(resampled.length, 30);
  assert.ok(Math.abs(resampled[1]!.timestamp - resampled[0]!.timestamp - 0.1) < 1e-6);

  const small = await collect(cfr.path, { width: 64, pixelFormat: 'gray', end: 0.2 });
  assert.equal(small[0]!.width, 64);
  assert.equal(small[0]!.height, 48);
  assert.equal(small[0]!.data.length, 64 * 48);
  assert.equal(small[0]!.pixelFormat, 'gray');
});

test('breaking out early leaves no ffmpeg process', async () => {
  let seen = 0;
  for await (const _ of decodeFrames(long.path)) {
    if (++seen === 3) break;
  }
  assert.equal(seen, 3);
  assert.equal(liveChildCount(), 0);
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
});

test('aborting leaves no ffmpeg process and raises ABORTED', async () => {
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of decodeFrames(long.path, { signal: controller.signal })) {
        if (++seen === 2) controller.abort();
      }
    })(),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'ABORTED',
  );
  assert.equal(liveChildCount(), 0);
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
});

test('an error thrown by the consumer leaves no ffmpeg process', async () => {
  await assert.rejects(
    (async () => {
      for await (const _ of decodeFrames(long.path)) throw new Error('consumer failed');
    })(),
    /consumer failed/,
  );
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
});

test('a slow consumer holds ffmpeg back (backpressure) instead of buffering the video', async () => {
  const iterator = decodeFrames(long.path, { bufferFrames: 2 });
  await iterator.next();
  // Unthrottled, ffmpeg decodes these 300 small frames in well under a second; held back, it is still
  // running after the wait, because its output pipe is full.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(liveChildCount(), 1, 'ffmpeg is still waiting for the consumer');
  await iterator.return(undefined);
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
});

test('a truncated file yields the frames before the damage, then VIDEO_CORRUPT', async () => {
  const truncated = join(dir, 'truncated.mp4');
  const bytes = readFileSync(long.path);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  let count = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of decodeFrames(truncated, { width: 32 })) count++;
    })(),
    (e: unknown) =>
      OrbisError.isInstance(e) && e.code === 'VIDEO_CORRUPT' && e.details.framesDecoded === count,
  );
  assert.ok(count > 10 && count < long.frames, `decoded ${count} of ${long.frames}`);
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
  let quiet = 0;
  for await (const _ of decodeFrames(truncated, { width: 32, onCorrupt: 'ignore' })) quiet++;
  assert.equal(quiet, count);
});

test('bad options are refused before ffmpeg starts', async () => {
  for (const options of [{ width: 0 }, { fps: -1 }, { start: 2, end: 1 }, { width: 1.5 }]) {
    await assert.rejects(
      collect(cfr.path, options),
      (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
    );
  }
});

test('spans count from the container start, even when its timestamps begin late (MPEG-TS)', async () => {
  const ts = join(dir, 'late start.ts');
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=96x64:r=25:d=4',
    '-c:v',
    'libx264',
    '-g',
    '25',
    '-output_ts_offset',
    '1.48',
    '-f',
    'mpegts',
    ts,
  );
  const info = await probe(ts);
  assert.ok(info.startTime > 1, `start time ${info.startTime}`);
  const span = await collect(ts, { start: 0.5, end: 1 });
  assert.equal(span.length, 12, '[0.5, 1) at 25 fps');
  const first = span[0]!.timestamp - info.startTime;
  assert.ok(first >= 0.5 && first < 0.5 + 0.04, `first frame ${first} s after the start`);
  const head = await collect(ts, { end: 1 });
  assert.equal(head.length, 25);
});

test('the end of a span is exclusive: [0.5, 1) at 25 fps is 12 frames', async () => {
  const mp4 = join(dir, 'twentyfive.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=25:d=2', '-c:v', 'libx264', mp4);
  const span = await collect(mp4, { start: 0.5, end: 1 });
  assert.equal(span.length, 12);
  assert.ok(span.at(-1)!.timestamp < 1);
});

test('a clean file whose name and metadata sound like damage is not called corrupt', async () => {
  const odd = join(dir, 'not-corrupt partial file.mp4');
  ffmpeg('-i', cfr.path, '-c', 'copy', '-metadata', 'title=missing picture, corrupt, Invalid NAL unit', odd);
  const frames = await collect(odd);
  assert.equal(frames.length, cfr.frames);
});
