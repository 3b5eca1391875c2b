import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { makeTestVideo } from '../video/index.js';
import { detectShots } from './shots.js';

const dir = tempDir();

test('hard cuts are found within 2 frames; flashes and fast pans are not taken for cuts', async () => {
  const video = await makeTestVideo(join(dir, 'cuts.mp4'), {
    shots: 6,
    shotSeconds: [2, 2.5, 3],
    transitions: ['cut'],
    flashes: true,
    fastMotion: true,
    width: 320,
    height: 180,
    seed: 5,
  });
  const found = await detectShots(video.path);
  const cuts = found.filter((b) => b.kind === 'cut');
  for (const truth of video.boundaries) {
    assert.ok(
      cuts.some((b) => Math.abs(b.frame - truth.startFrame) <= 2),
      `cut at ${truth.startFrame} found (got ${cuts.map((c) => c.frame)})`,
    );
  }
  assert.equal(
    found.length,
    video.boundaries.length,
    `no extra boundaries: ${found.map((b) => `${b.kind}@${b.frame}`)}`,
  );
  for (const flash of video.distractors.filter((d) => d.type === 'flash')) {
    assert.ok(
      !found.some((b) => b.frame >= flash.startFrame - 1 && b.frame <= flash.endFrame + 1),
      `no boundary at the flash ${flash.startFrame}`,
    );
  }
});

test('a dissolve and a fade between steady shots are found as gradual transitions inside their span', async () => {
  const video = await makeTestVideo(join(dir, 'gradual.mp4'), {
    shots: 3,
    shotSeconds: 2,
    transitions: ['dissolve', 'fade'],
    width: 320,
    height: 180,
    seed: 5, // steady sources: RGB bars, a test pattern, slow gradients
  });
  const found = await detectShots(video.path);
  assert.equal(found.length, 2, found.map((b) => `${b.kind}@${b.frame}`).join(' '));
  for (const [i, truth] of video.boundaries.entries()) {
    const b = found[i]!;
    assert.ok(
      b.frame >= truth.startFrame && b.frame < truth.endFrame,
      `${truth.type} ${truth.startFrame}-${truth.endFrame}: found ${b.kind}@${b.frame}`,
    );
  }
});
