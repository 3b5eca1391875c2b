import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { makeTestVideo, probe, type TestVideo } from '../video/index.js';
import { analyzeVideo } from './analysis.js';

const dir = tempDir();
let video: TestVideo;

before(async () => {
  // 3 shots of 4 s at 30 fps: a cut, then a fade.
  video = await makeTestVideo(join(dir, 'three.mp4'), {
    shots: 3,
    shotSeconds: 4,
    transitions: ['cut', 'fade'],
    width: 160,
    height: 90,
    seed: 5,
  });
});

test('spans tile each shot between its boundaries; shots within two clip lengths split evenly', async () => {
  const info = await probe(video.path);
  const whole = await analyzeVideo(video.path, info, { width: 96, maxClipFrames: 10_000 });
  // One span per shot, from one boundary's end to the next one's start.
  assert.ok(whole.boundaries.length >= 2);
  const expected: [number, number][] = [];
  let start = 0;
  for (const b of whole.boundaries) {
    expected.push([start, b.kind === 'cut' ? b.frame : b.startFrame]);
    start = b.kind === 'cut' ? b.frame : b.endFrame;
  }
  expected.push([start, whole.frameCount]);
  assert.deepEqual(
    whole.spans.map((s) => [s.a, s.b]),
    expected,
  );

  const split = await analyzeVideo(video.path, info, { width: 96, maxClipFrames: 50 });
  for (const s of split.spans) assert.ok(s.b - s.a <= 50, `span ${s.a}-${s.b} is over 50 frames`);
  // The same frames are covered, shot by shot, and a span's scores are its frames' alone.
  for (const shot of whole.spans) {
    const pieces = split.spans.filter((s) => s.a >= shot.a && s.b <= shot.b);
    assert.equal(pieces[0]?.a, shot.a);
    assert.equal(pieces.at(-1)?.b, shot.b);
    for (let i = 1; i < pieces.length; i++) assert.equal(pieces[i]!.a, pieces[i - 1]!.b);
    // Within two lengths (up to 100 frames) a shot is split evenly.
    if (shot.b - shot.a <= 100) {
      const sizes = pieces.map((p) => p.b - p.a);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `uneven pieces ${sizes}`);
    }
  }
});

test('a shot longer than two clip lengths gives up full-length pieces while it is still being decoded', async () => {
  const info = await probe(video.path);
  // 20-frame clips: the 4 s shots (about 100-120 frames) are over two lengths.
  const r = await analyzeVideo(video.path, info, { width: 96, maxClipFrames: 20 });
  const first = r.spans.filter((s) => s.b <= (r.boundaries[0]?.frame ?? 0));
  assert.ok(first.length >= 5);
  assert.equal(first[0]!.b - first[0]!.a, 20, 'the first piece was cut at full length');
  for (const s of r.spans) assert.ok(s.b - s.a <= 20);
  // Every piece has its own scores and embedding.
  assert.ok(r.spans.every((s) => s.embedding.length === 256 && Number.isFinite(s.scores.motion)));
});
