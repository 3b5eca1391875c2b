import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import type { Image } from './image.js';
import { msSsim } from './ms-ssim.js';
import { psnr } from './psnr.js';
import { resizeBicubic } from './resize.js';
import { type SsimOptions, ssim } from './ssim.js';

/**
 * PSNR, SSIM and MS-SSIM against golden values from scripts/golden/eval_metrics.py (scikit-image for PSNR
 * and SSIM; an independent NumPy implementation for MS-SSIM, which scikit-image lacks). Tolerance: 1e-4.
 */

interface Golden {
  tolerance: number;
  pairs: Record<string, { width: number; height: number; channels: number; target: Seeded; pred: Seeded }>;
  cases: {
    metric: string;
    pair: string;
    kind: 'uint8' | 'float';
    options: Record<string, unknown>;
    expected: number;
  }[];
}
interface Seeded {
  seed: number;
  noise: number;
}

const golden = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../test/golden/eval-metrics.json'), 'utf8'),
) as Golden;

/** The same integer-only generator as make_image() in the golden script. */
function makeImage(width: number, height: number, channels: number, seed: number, noise: number): Image {
  const data = new Uint8Array(width * height * channels);
  let state = BigInt(seed & 0x7fffffff);
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const base =
          (x * 3 + y * 5 + c * 40 + (((x >> 3) + (y >> 3)) & 1) * 60 + Math.floor((x * y) / 64)) % 256;
        state = (state * 1103515245n + 12345n) % 2147483648n;
        const n = noise > 0 ? Number((state >> 16n) % BigInt(2 * noise + 1)) - noise : 0;
        data[i++] = Math.min(255, Math.max(0, base + n));
      }
    }
  }
  return { width, height, channels, data };
}

function toFloat(image: Image): Image {
  return { ...image, data: Float64Array.from(image.data, (v) => v / 255) };
}

const images = new Map<string, { pred: Image; target: Image }>();
for (const [name, p] of Object.entries(golden.pairs)) {
  images.set(name, {
    pred: makeImage(p.width, p.height, p.channels, p.pred.seed, p.pred.noise),
    target: makeImage(p.width, p.height, p.channels, p.target.seed, p.target.noise),
  });
}

for (const c of golden.cases) {
  const label = `${c.metric} ${c.pair} ${c.kind} ${String(c.options.label ?? JSON.stringify(c.options))}`;
  test(`${label} matches the reference within ${golden.tolerance}`, () => {
    const pair = images.get(c.pair)!;
    const pred = c.kind === 'float' ? toFloat(pair.pred) : pair.pred;
    const target = c.kind === 'float' ? toFloat(pair.target) : pair.target;
    const { label: _, ...options } = c.options;
    const value =
      c.metric === 'psnr'
        ? psnr(pred, target, options)
        : c.metric === 'ssim'
          ? ssim(pred, target, options as SsimOptions)
          : msSsim(pred, target, options);
    assert.ok(Math.abs(value - c.expected) <= golden.tolerance, `${value} vs reference ${c.expected}`);
    if (c.metric === 'ssim' && c.kind === 'uint8') {
      // 8-bit SSIM runs on the WebAssembly kernel; the double-precision path must agree too.
      const f64 = ssim(pred, target, { ...(options as SsimOptions), precision: 'f64' });
      assert.ok(
        Math.abs(f64 - c.expected) <= golden.tolerance,
        `f64 path: ${f64} vs reference ${c.expected}`,
      );
    }
  });
}

test('the golden file covers every metric and both sample types', () => {
  const kinds = new Set(golden.cases.map((c) => `${c.metric}/${c.kind}`));
  for (const metric of ['psnr', 'ssim', 'ms-ssim']) {
    assert.ok(kinds.has(`${metric}/uint8`) && kinds.has(`${metric}/float`), metric);
  }
});

test('bicubic resizing matches Pillow (the preprocessing of learned metrics), within rounding', () => {
  const spec = (
    golden as unknown as {
      resize: {
        source: { width: number; height: number; channels: number; seed: number; noise: number };
        cases: { width: number; height: number; pixels: number[] }[];
      };
    }
  ).resize;
  const source = makeImage(
    spec.source.width,
    spec.source.height,
    spec.source.channels,
    spec.source.seed,
    spec.source.noise,
  );
  for (const c of spec.cases) {
    const ours = resizeBicubic(source, c.width, c.height).data;
    let worst = 0;
    let total = 0;
    c.pixels.forEach((expected, i) => {
      const d = Math.abs(Math.min(255, Math.max(0, Math.round(ours[i]!))) - expected);
      worst = Math.max(worst, d);
      total += d;
    });
    assert.ok(worst <= 1, `${c.width}x${c.height}: worst difference ${worst}`);
    assert.ok(
      total / c.pixels.length < 0.05,
      `${c.width}x${c.height}: mean difference ${total / c.pixels.length}`,
    );
  }
});
