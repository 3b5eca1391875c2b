import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrbisError } from '../core/index.js';
import type { Image } from './image.js';
import { binaryIou, IoU, type Mask, meanIou, objectOverlaps } from './iou.js';
import { MSSSIM, msSsim } from './ms-ssim.js';
import { PSNR, psnr } from './psnr.js';
import { SSIM, ssim } from './ssim.js';

function noisy(width: number, height: number, channels: number, seed: number): Image {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = ((i * 7) % 200) + ((s >>> 24) % 40);
  }
  return { width, height, channels, data };
}

const isInvalid = (e: unknown): boolean => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT';

test('accumulated metrics equal the functional twins averaged over frames', () => {
  const preds = [1, 2, 3].map((s) => noisy(180, 180, 3, s));
  const targets = [4, 5, 6].map((s) => noisy(180, 180, 3, s));
  for (const [metric, fn] of [
    [new PSNR(), psnr],
    [new SSIM(), ssim],
    [new MSSSIM(), msSsim],
  ] as const) {
    preds.forEach((p, i) => {
      metric.update(p, targets[i]!);
    });
    const expected = preds.map((p, i) => fn(p, targets[i]!));
    const result = metric.compute();
    assert.deepEqual(result.perFrame, expected, metric.name);
    assert.ok(Math.abs(result.mean - expected.reduce((a, b) => a + b) / 3) < 1e-12, metric.name);
    metric.reset();
    assert.throws(
      () => metric.compute(),
      (e: unknown) => isInvalid(e) && /no frames were scored/.test((e as Error).message),
    );
  }
});

test('identical images score PSNR Infinity, SSIM 1 and MS-SSIM 1', () => {
  const image = noisy(180, 180, 1, 9);
  assert.equal(psnr(image, image), Infinity);
  assert.ok(Math.abs(ssim(image, image) - 1) < 1e-12);
  assert.ok(Math.abs(msSsim(image, image) - 1) < 1e-12);
});

test('bad inputs get clear errors: shapes, empty, NaN, missing data range, too small', () => {
  const a = noisy(32, 32, 3, 1);
  assert.throws(
    () => psnr(a, noisy(32, 31, 3, 1)),
    (e: unknown) => isInvalid(e) && /differ in shape/.test((e as Error).message),
  );
  assert.throws(() => ssim(a, noisy(32, 32, 1, 1)), isInvalid);
  assert.throws(
    () => psnr({ width: 0, height: 0, channels: 3, data: new Uint8Array(0) }, a),
    (e: unknown) => isInvalid(e) && /empty/.test((e as Error).message),
  );
  const floats = { width: 32, height: 32, channels: 3, data: new Float32Array(32 * 32 * 3) };
  assert.throws(
    () => psnr(floats, floats),
    (e: unknown) => isInvalid(e) && /dataRange/.test((e as Error).message),
  );
  const withNaN = { ...floats, data: floats.data.slice() };
  withNaN.data[5] = Number.NaN;
  assert.throws(
    () => ssim(withNaN, floats, { dataRange: 1 }),
    (e: unknown) => isInvalid(e) && /non-finite/.test((e as Error).message),
  );
  assert.throws(
    () => ssim(noisy(8, 8, 1, 1), noisy(8, 8, 1, 2)),
    (e: unknown) => isInvalid(e) && /smaller than/.test((e as Error).message),
  );
  assert.throws(
    () => msSsim(a, a),
    (e: unknown) => isInvalid(e) && /at least 176x176/.test((e as Error).message),
  );
  assert.throws(() => ssim(a, a, { gaussianWeights: false, winSize: 4 }), isInvalid);
  assert.throws(() => psnr({ ...a, data: a.data.subarray(1) }, a), isInvalid);
});

function mask(
  width: number,
  height: number,
  rects: [id: number, x0: number, y0: number, x1: number, y1: number][],
): Mask {
  const data = new Uint8Array(width * height);
  for (const [id, x0, y0, x1, y1] of rects) {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = id;
  }
  return { width, height, data };
}

test('IoU of binary and instance masks, per object and per frame', () => {
  const target = mask(10, 10, [
    [1, 0, 0, 4, 4],
    [2, 5, 5, 10, 10],
  ]); // areas 16 and 25
  const pred = mask(10, 10, [
    [1, 2, 0, 6, 4],
    [2, 5, 5, 10, 10],
  ]); // object 1 shifted by 2
  // Object 1: intersection 8, union 24. Object 2: exact.
  const overlaps = objectOverlaps(pred, target);
  assert.deepEqual(
    overlaps.map((o) => [o.id, o.intersection, o.union]),
    [
      [1, 8, 24],
      [2, 25, 25],
    ],
  );
  assert.ok(Math.abs(meanIou(pred, target) - (8 / 24 + 1) / 2) < 1e-12);
  assert.ok(Math.abs(binaryIou(pred, target) - 33 / 49) < 1e-12);
  assert.equal(binaryIou(mask(4, 4, []), mask(4, 4, [])), 1);

  const metric = new IoU([1, 2]);
  metric.update(pred, target);
  metric.update(target, target);
  const result = metric.compute();
  assert.deepEqual(
    result.perObject.map((o) => [o.id, o.intersection, o.union]),
    [
      [1, 24, 40],
      [2, 50, 50],
    ],
  );
  assert.ok(Math.abs(result.mIoU - (24 / 40 + 1) / 2) < 1e-12);
  assert.equal(result.perFrame.length, 2);
  assert.equal(result.perFrame[1]!.mIoU, 1);
});

test('masks of different sizes or malformed masks are refused', () => {
  assert.throws(
    () => binaryIou(mask(4, 4, []), mask(4, 5, [])),
    (e: unknown) => isInvalid(e) && /differ in size/.test((e as Error).message),
  );
  assert.throws(() => meanIou({ width: 4, height: 4, data: new Uint8Array(3) }, mask(4, 4, [])), isInvalid);
});

test('the WebAssembly SSIM kernel agrees with the f64 path within 1e-6, at any width (lane padding)', () => {
  for (const [w, h, c] of [
    [37, 23, 1],
    [64, 64, 3],
    [101, 40, 3],
    [13, 11, 1],
  ] as const) {
    const a = noisy(w, h, c, w);
    const b = noisy(w, h, c, h + 100);
    for (const options of [{}, { gaussianWeights: false, winSize: 7 }, { sigma: 0.8 }]) {
      const fast = ssim(a, b, options);
      const exact = ssim(a, b, { ...options, precision: 'f64' });
      assert.ok(
        Math.abs(fast - exact) < 1e-6,
        `${w}x${h}x${c} ${JSON.stringify(options)}: ${fast} vs ${exact}`,
      );
    }
  }
});
