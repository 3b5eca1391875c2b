import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ffmpeg, ffprobeFrameTimes, noFfmpegChildrenWithin, tempDir } from '../../test/support.js';
import { type Frame, OrbisError } from '../core/index.js';
import { decodeFrames } from './decode.js';
import { cutClip, encodeClip, thumbnail } from './encode.js';
import { probe } from './probe.js';
import { makeTestVideo, type TestVideo } from './test-video.js';
import { liveChildCount } from './tools.js';

const dir = tempDir();
let source: TestVideo;
let vfr: TestVideo;

before(async () => {
  source = await makeTestVideo(join(dir, 'source.mp4'), {
    shots: 2,
    shotSeconds: 2,
    width: 160,
    height: 120,
    transitions: ['cut'],
    crf: 10,
  });
  vfr = await makeTestVideo(join(dir, 'vfr.mp4'), {
    shots: 2,
    shotSeconds: 1,
    width: 160,
    height: 120,
    variableFrameRate: true,
  });
});

async function frames(path: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of decodeFrames(path)) out.push(f);
  return out;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** MP4 box order at the top level, to check that the index (moov) comes before the media (mdat). */
function topLevelBoxes(path: string): string[] {
  const bytes = readFileSync(path);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at);
    boxes.push(bytes.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

test('cutClip is frame-accurate: exactly the frames in [start, end), starting on the right picture', async () => {
  const all = await frames(source.path);
  const start = 0.7; // not on a keyframe
  const end = 2.3; // across the cut at 2.0
  const out = join(dir, 'cut.mp4');
  const result = await cutClip(source.path, { start, end }, out, { crf: 10, preset: 'veryfast' });
  const inSpan = all.filter((f) => f.timestamp >= start - 1e-9 && f.timestamp < end - 1e-9);
  assert.equal(result.frames, inSpan.length);
  const cut = await frames(out);
  assert.equal(cut.length, inSpan.length);
  // The first frame of the clip is closest to the source frame at `start`, not to its neighbours.
  const first = cut[0]!.data;
  const target = inSpan[0]!.index;
  const diffs = [target - 1, target, target + 1].map((i) => meanAbsDiff(first, all[i]!.data));
  assert.ok(diffs[1]! < diffs[0]! && diffs[1]! < diffs[2]!, `diffs ${diffs}`);
  assert.ok(diffs[1]! < 3, `first frame differs by ${diffs[1]}`);
  assert.ok(Math.abs(cut[0]!.timestamp) < 1e-6, 'clip timestamps start at 0');
  assert.ok(
    topLevelBoxes(out).indexOf('moov') < topLevelBoxes(out).indexOf('mdat'),
    'faststart: moov before mdat',
  );
});

test('cutClip keeps variable frame timing and applies size, fps and crf options', async () => {
  const out = join(dir, 'vfr-cut.mp4');
  await cutClip(vfr.path, { start: 0.5, end: 1.5 }, out, { preset: 'veryfast' });
  const expected = vfr.timestamps.filter((t) => t >= 0.5 - 1e-9 && t < 1.5 - 1e-9).map((t) => t - 0.5);
  const got = ffprobeFrameTimes(out);
  assert.equal(got.length, expected.length);
  for (const [i, t] of got.entries())
    assert.ok(Math.abs(t - expected[i]!) < 0.002, `frame ${i}: ${t} vs ${expected[i]}`);

  const small = join(dir, 'small.mp4');
  await cutClip(source.path, { start: 0, end: 1 }, small, {
    width: 81,
    fps: 10,
    crf: 30,
    preset: 'ultrafast',
  });
  const info = await probe(small, { countFrames: 'always' });
  assert.equal(info.video.width, 80, 'odd sizes are rounded to even for yuv420p');
  assert.equal(info.video.height, 60);
  assert.equal(info.video.frameCount, 10);
});

test('encodeClip writes frames to an MP4 that decodes to the same pictures', async () => {
  const input = (await frames(source.path)).slice(0, 20);
  const out = join(dir, 'encoded.mp4');
  const result = await encodeClip(input, out, { crf: 0, preset: 'ultrafast', inputFps: 25 });
  assert.equal(result.frames, 20);
  const info = await probe(out);
  assert.equal(info.video.fps, 25);
  const back = await frames(out);
  assert.equal(back.length, 20);
  // crf 0 is lossless in YUV; the RGB->YUV420->RGB round trip costs a little.
  assert.ok(meanAbsDiff(back[7]!.data, input[7]!.data) < 4);
});

test('encodeClip refuses frames of mixed sizes and leaves no partial file', async () => {
  const [a] = await frames(source.path);
  const b = { ...a!, width: 80, height: 60, data: new Uint8Array(80 * 60 * 3) };
  const out = join(dir, 'mixed.mp4');
  await assert.rejects(
    encodeClip([a!, b], out),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
  );
  const left = (await readdir(dir)).filter((n) => n.includes('mixed'));
  assert.deepEqual(left, []);
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
});

test('thumbnail writes a JPEG or PNG of the requested width', async () => {
  const jpg = await thumbnail(source.path, join(dir, 'thumb.jpg'), { width: 64 });
  assert.deepEqual([...readFileSync(jpg).subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const png = await thumbnail(source.path, join(dir, 'thumb.png'), { time: 1, width: 64 });
  const info = await probe(png);
  assert.equal(info.video.width, 64);
  assert.equal(info.video.height, 48);
});

test('cutClip rejects empty spans and spans past the end', async () => {
  for (const span of [
    { start: 1, end: 1 },
    { start: 2, end: 1 },
    { start: 99, end: 100 },
  ]) {
    await assert.rejects(
      cutClip(source.path, span, join(dir, 'bad.mp4')),
      (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
    );
  }
});

test('encodeClip with a bad option closes the frame source: no decoder is left running', async () => {
  await assert.rejects(
    encodeClip(decodeFrames(source.path), join(dir, 'bad-crf.mp4'), { crf: 99 }),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
  );
  assert.equal(liveChildCount(), 0);
  assert.deepEqual(await noFfmpegChildrenWithin(), []);
});

test('cutClip: [0.5, 1) at 25 fps is 12 frames, and a span between two frames is refused', async () => {
  const mp4 = join(dir, 'twentyfive.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=25:d=2', '-c:v', 'libx264', mp4);
  assert.equal(
    (await cutClip(mp4, { start: 0.5, end: 1 }, join(dir, 'twelve.mp4'), { preset: 'ultrafast' })).frames,
    12,
  );
  const empty = join(dir, 'empty.mp4');
  await assert.rejects(
    cutClip(mp4, { start: 1.97, end: 1.99 }, empty),
    (e: unknown) =>
      OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT' && /no frame/.test((e as Error).message),
  );
  assert.ok(!(await readdir(dir)).some((n) => n.includes('empty')));
});

test('thumbnails past the last frame, and names with %, still work', async () => {
  const late = await thumbnail(source.path, join(dir, 'late.jpg'), { time: 100 });
  assert.deepEqual([...readFileSync(late).subarray(0, 2)], [0xff, 0xd8]);
  const percent = await thumbnail(source.path, join(dir, 'shot %d 100%.png'));
  assert.ok(readFileSync(percent).length > 100);
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith('.tmp.png') || n.endsWith('.tmp.jpg')),
    [],
  );
});
