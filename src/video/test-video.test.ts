import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { decodeFrames } from './decode.js';
import { makeTestVideo } from './test-video.js';

const dir = tempDir();

/** Mean absolute difference between consecutive frames, at each frame. */
async function frameDifferences(path: string): Promise<number[]> {
  const diffs: number[] = [];
  let previous: Uint8Array | undefined;
  for await (const f of decodeFrames(path, { width: 64, height: 48, pixelFormat: 'gray' })) {
    if (previous) {
      let sum = 0;
      for (let i = 0; i < f.data.length; i++) sum += Math.abs(f.data[i]! - previous[i]!);
      diffs.push(sum / f.data.length);
    } else diffs.push(0);
    previous = f.data;
  }
  return diffs;
}

test('test videos put their shot boundaries where they say', async () => {
  const video = await makeTestVideo(join(dir, 'shots.mp4'), {
    shots: 4,
    shotSeconds: 2,
    transitions: ['cut', 'fade', 'dissolve'],
    width: 160,
    height: 120,
  });
  assert.deepEqual(
    video.boundaries.map((b) => [b.type, b.startFrame, b.endFrame]),
    [
      ['cut', 60, 61],
      ['fade', 105, 120],
      ['dissolve', 150, 165],
    ],
  );
  const diffs = await frameDifferences(video.path);
  assert.equal(diffs.length, video.frames);
  // The hard cut is the largest single-frame change in its neighbourhood.
  const around = diffs.slice(50, 70);
  assert.equal(50 + around.indexOf(Math.max(...around)), 60);
  // A fade through black passes a dark frame mid-transition.
  let darkest = Infinity;
  for await (const f of decodeFrames(video.path, {
    pixelFormat: 'gray',
    width: 32,
    start: 105 / 30,
    end: 120 / 30,
  })) {
    darkest = Math.min(darkest, f.data.reduce((a, b) => a + b, 0) / f.data.length);
  }
  assert.ok(darkest < 20, `darkest mean ${darkest}`);
});
