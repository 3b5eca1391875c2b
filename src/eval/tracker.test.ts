import assert from 'node:assert/strict';
import test from 'node:test';
import { IoU } from './iou.js';
import type { RgbFrame } from './physics.js';
import { trackObjects } from './tracker.js';

const W = 64;

/** A gray floor with a red square (id 2) moving right and a blue one (id 3) falling, as frames and masks. */
function scene(t: number, drift = 1): { frame: RgbFrame; mask: Uint8Array } {
  const data = new Uint8Array(W * W * 3).fill(120);
  const mask = new Uint8Array(W * W).fill(1);
  const square = (id: number, x0: number, y0: number, rgb: number[]) => {
    for (let y = y0; y < y0 + 8; y++)
      for (let x = x0; x < x0 + 8; x++) {
        if (x < 0 || y < 0 || x >= W || y >= W) continue;
        mask[y * W + x] = id;
        data.set(rgb, 3 * (y * W + x));
      }
  };
  square(2, 8 + 2 * t * drift, 40, [200, 30, 30]);
  square(3, 40, 4 + Math.round(0.1 * t * t * drift), [30, 60, 210]);
  return { frame: { width: W, height: W, data }, mask };
}

function iouOf(frames: RgbFrame[], truth: Uint8Array[]): number {
  const masks = trackObjects([scene(0)], [2, 3], frames);
  const iou = new IoU([2, 3]);
  masks.forEach((m, i) => {
    iou.update(
      { width: W, height: W, data: m },
      { width: W, height: W, data: truth[i]!.map((v) => (v > 1 ? v : 0)) },
    );
  });
  return iou.compute().meanPerFrame;
}

test('the tracker follows moving squares on the true frames and loses them on a frozen video', () => {
  const truth = Array.from({ length: 16 }, (_, t) => scene(t + 1));
  const onTruth = iouOf(
    truth.map((s) => s.frame),
    truth.map((s) => s.mask),
  );
  assert.ok(onTruth > 0.95, `IoU on the true frames ${onTruth}`);
  const frozen = iouOf(
    truth.map(() => scene(0).frame),
    truth.map((s) => s.mask),
  );
  assert.ok(frozen < 0.3, `IoU on a frozen video ${frozen}`);
});
