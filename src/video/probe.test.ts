import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ffmpeg, ffmpegChildren, tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { probe } from './probe.js';
import { makeTestAudio, makeTestVideo, type TestVideo } from './test-video.js';

const dir = tempDir();
let cfr: TestVideo;
let vfr: TestVideo;

before(async () => {
  cfr = await makeTestVideo(join(dir, 'cfr.mp4'), {
    shots: 2,
    shotSeconds: 1,
    fps: 25,
    width: 160,
    height: 120,
  });
  vfr = await makeTestVideo(join(dir, 'vfr.mp4'), {
    shots: 2,
    shotSeconds: 1,
    variableFrameRate: true,
    audio: true,
  });
});

test('probe reports container, codec, size, rate, length and frame count', async () => {
  const info = await probe(cfr.path);
  assert.match(info.container, /mp4/);
  assert.equal(info.video.codec, 'h264');
  assert.equal(info.video.width, 160);
  assert.equal(info.video.height, 120);
  assert.equal(info.video.fps, 25);
  assert.equal(info.video.variableFrameRate, false);
  assert.equal(info.video.frameCount, cfr.frames);
  assert.equal(info.video.frameCountExact, true);
  assert.ok(Math.abs(info.duration - cfr.duration) < 0.05, `duration ${info.duration}`);
  assert.equal(info.hasAudio, false);
  assert.equal(info.video.rotation, 0);
});

test('probe detects a variable frame rate and audio', async () => {
  const info = await probe(vfr.path);
  assert.equal(info.video.variableFrameRate, true);
  assert.equal(info.video.frameCount, vfr.frames);
  assert.equal(info.hasAudio, true);
  assert.equal(info.audio?.codec, 'aac');
});

test('probe reports display rotation and the displayed size', async () => {
  const rotated = join(dir, 'rotated.mp4');
  ffmpeg('-i', cfr.path, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated);
  const info = await probe(rotated);
  assert.equal(info.video.rotation, 270); // ffmpeg turns this file's matrix into a counter-clockwise quarter turn
  assert.equal(info.video.codedWidth, 160);
  assert.equal(info.video.width, 120);
  assert.equal(info.video.height, 160);
});

test('probe counts frames when the container stores no count (Matroska)', async () => {
  const mkv = join(dir, 'copy.mkv');
  ffmpeg('-i', cfr.path, '-c', 'copy', mkv);
  const info = await probe(mkv);
  assert.equal(info.video.frameCount, cfr.frames);
  assert.equal(info.video.frameCountExact, true);
  const estimate = await probe(mkv, { countFrames: 'never' });
  assert.equal(estimate.video.frameCountExact, false);
});

async function expectCode(path: string, code: string): Promise<void> {
  await assert.rejects(probe(path), (e: unknown) => {
    assert.ok(OrbisError.isInstance(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.hint, 'every input error says what to do');
    return true;
  });
}

test('bad inputs get typed errors and leave no ffprobe behind', async () => {
  writeFileSync(join(dir, 'zero.mp4'), '');
  writeFileSync(join(dir, 'text.mp4'), 'this is a text file, not a video\n');
  const full = readFileSync(cfr.path);
  const moovLast = await makeTestVideo(join(dir, 'camera.mp4'), { shots: 1, faststart: false });
  writeFileSync(join(dir, 'truncated.mp4'), readFileSync(moovLast.path).subarray(0, 20_000));
  await makeTestAudio(join(dir, 'audio-only.m4a'));
  // An AVI whose codec tag no decoder knows.
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=64x48:d=0.2', '-c:v', 'mjpeg', join(dir, 'mj.avi'));
  const avi = readFileSync(join(dir, 'mj.avi'));
  writeFileSync(
    join(dir, 'unknown-codec.avi'),
    Buffer.from(avi.toString('latin1').replaceAll('MJPG', 'QQQQ'), 'latin1'),
  );

  await expectCode(join(dir, 'zero.mp4'), 'VIDEO_EMPTY');
  await expectCode(join(dir, 'text.mp4'), 'VIDEO_NOT_A_VIDEO');
  await expectCode(join(dir, 'truncated.mp4'), 'VIDEO_TRUNCATED');
  await expectCode(join(dir, 'audio-only.m4a'), 'VIDEO_NO_VIDEO_STREAM');
  await expectCode(join(dir, 'unknown-codec.avi'), 'VIDEO_UNSUPPORTED_CODEC');
  await expectCode(join(dir, 'missing.mp4'), 'VIDEO_NOT_FOUND');
  await expectCode(dir, 'VIDEO_IS_DIRECTORY');
  assert.ok(full.length > 0);
  assert.deepEqual(ffmpegChildren(), []);
});

test('names with spaces, non-ASCII characters, a leading dash or a colon work', async () => {
  for (const name of ['my clip é 動画.mp4', '-dash.mp4', 'a:b.mp4']) {
    const path = join(dir, name);
    writeFileSync(path, readFileSync(cfr.path));
    const info = await probe(path);
    assert.equal(info.video.frameCount, cfr.frames, name);
    assert.equal(info.path, path);
  }
});
