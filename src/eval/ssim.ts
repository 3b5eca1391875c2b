import { checkPair, type Image, invalid, isIntegerImage, resolveDataRange } from './image.js';
import { FrameMetric } from './metric.js';
import { ssimChannelsWasm } from './ssim-wasm.js';

/**
 * Structural similarity (Wang et al. 2004). The defaults are the paper's: a Gaussian window with sigma
 * 1.5 (11 taps), K1 = 0.01, K2 = 0.03, population covariance. Every option of scikit-image's
 * `structural_similarity` is here, so its results can be reproduced exactly:
 *
 *   scikit-image defaults  -> { gaussianWeights: false, winSize: 7, useSampleCovariance: true }
 *   gaussian_weights=True  -> { gaussianWeights: true, useSampleCovariance: true } (it keeps sample covariance)
 *
 * As in scikit-image, the mean is taken over the pixels whose window lies inside the image, and
 * multichannel images are scored per channel and averaged.
 */
export interface SsimOptions {
  /** Range of sample values; 255 for uint8, required for floats. */
  dataRange?: number;
  /** Gaussian window (default true) or a uniform winSize x winSize window. */
  gaussianWeights?: boolean;
  /** Gaussian sigma (default 1.5); the window spans int(3.5 sigma + 0.5) pixels each side. */
  sigma?: number;
  /** Uniform window side, odd (default 7); ignored for Gaussian windows. */
  winSize?: number;
  k1?: number;
  k2?: number;
  /** Normalize covariances by N-1 instead of N (scikit-image's default; false in the paper). */
  useSampleCovariance?: boolean;
  /**
   * `auto` (default): 8-bit images go through the WebAssembly SIMD kernel (f32, agrees to about 1e-6);
   * `f64`: always the double-precision JavaScript path.
   */
  precision?: 'auto' | 'f64';
}

interface Resolved {
  weights: Float64Array;
  covNorm: number;
  c1: number;
  c2: number;
}

export function resolveSsim(options: SsimOptions, range: number): Resolved {
  const gaussian = options.gaussianWeights ?? true;
  const k1 = options.k1 ?? 0.01;
  const k2 = options.k2 ?? 0.03;
  if (!(k1 >= 0 && k2 >= 0)) throw invalid('k1 and k2 must be >= 0');
  let weights: Float64Array;
  if (gaussian) {
    const sigma = options.sigma ?? 1.5;
    if (!(sigma > 0)) throw invalid('sigma must be > 0');
    weights = gaussianWeights(sigma, Math.trunc(3.5 * sigma + 0.5));
  } else {
    const size = options.winSize ?? 7;
    if (!(Number.isInteger(size) && size >= 3 && size % 2 === 1))
      throw invalid('winSize must be an odd whole number >= 3');
    weights = new Float64Array(size).fill(1 / size);
  }
  const np = weights.length * weights.length;
  const sample = options.useSampleCovariance ?? !gaussian;
  return {
    weights,
    covNorm: sample ? np / (np - 1) : 1,
    c1: (k1 * range) ** 2,
    c2: (k2 * range) ** 2,
  };
}

/** Normalized 1-D Gaussian taps from -radius to radius, as scipy.ndimage builds them. */
export function gaussianWeights(sigma: number, radius: number): Float64Array {
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    w[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/** Fills `x` and `y` with row `r` of the two images being compared. */
export type RowReader = (r: number, x: Float64Array, y: Float64Array) => void;

/** Row reader over two float planes. */
export function planeRows(x: Float64Array, y: Float64Array, width: number): RowReader {
  return (r, xo, yo) => {
    xo.set(x.subarray(r * width, (r + 1) * width));
    yo.set(y.subarray(r * width, (r + 1) * width));
  };
}

/** Row reader over one channel of two interleaved images, without copying whole planes. */
export function channelRows(pred: Image, target: Image, channel: number): RowReader {
  const { width, channels } = target;
  const a = pred.data;
  const b = target.data;
  return (r, xo, yo) => {
    let j = r * width * channels + channel;
    for (let c = 0; c < width; c++, j += channels) {
      xo[c] = a[j]!;
      yo[c] = b[j]!;
    }
  };
}

/**
 * Means of the SSIM map and of its contrast-structure term over the valid region of one channel.
 * Streams rows through a ring of `taps` horizontally filtered rows, so the working set stays in cache
 * whatever the image size: per row, the four maps the formula needs (x, y, x^2 + y^2, x*y; only the sum
 * of the two variances is used) are filtered horizontally, then each output row is filtered vertically
 * from the ring and scored at once. The symmetric window is folded to halve the multiplications.
 */
export function ssimRows(
  rows: RowReader,
  width: number,
  height: number,
  p: Resolved,
): { ssim: number; cs: number } {
  const k = p.weights;
  const taps = k.length;
  const half = (taps - 1) >> 1;
  const ow = width - taps + 1;
  const oh = height - taps + 1;
  if (ow < 1 || oh < 1) {
    throw invalid(
      `the image (${width}x${height}) is smaller than the ${taps}x${taps} SSIM window`,
      'use larger frames or a smaller window',
    );
  }
  const x = new Float64Array(width);
  const y = new Float64Array(width);
  const sq = new Float64Array(width);
  const xy = new Float64Array(width);
  // Ring of horizontally filtered rows: 4 maps x taps rows x ow columns.
  const ring = [0, 1, 2, 3].map(() => new Float64Array(taps * ow));
  const [rx, ry, rs, rp] = ring as [Float64Array, Float64Array, Float64Array, Float64Array];
  const ux = new Float64Array(ow);
  const uy = new Float64Array(ow);
  const us = new Float64Array(ow);
  const up = new Float64Array(ow);
  const { c1, c2, covNorm } = p;
  const kc = k[half]!;
  let ssimSum = 0;
  let csSum = 0;
  for (let r = 0; r < height; r++) {
    rows(r, x, y);
    for (let c = 0; c < width; c++) {
      const a = x[c]!;
      const b = y[c]!;
      sq[c] = a * a + b * b;
      xy[c] = a * b;
    }
    const slot = (r % taps) * ow;
    for (let c = 0; c < ow; c++) {
      const m = c + half;
      let sx = kc * x[m]!;
      let sy = kc * y[m]!;
      let ss = kc * sq[m]!;
      let sp = kc * xy[m]!;
      for (let t = 1; t <= half; t++) {
        const w = k[half + t]!;
        sx += w * (x[m - t]! + x[m + t]!);
        sy += w * (y[m - t]! + y[m + t]!);
        ss += w * (sq[m - t]! + sq[m + t]!);
        sp += w * (xy[m - t]! + xy[m + t]!);
      }
      rx[slot + c] = sx;
      ry[slot + c] = sy;
      rs[slot + c] = ss;
      rp[slot + c] = sp;
    }
    if (r < taps - 1) continue;
    // Rows r-taps+1 .. r are in the ring; the oldest sits in slot (r+1) % taps.
    ux.fill(0);
    uy.fill(0);
    us.fill(0);
    up.fill(0);
    for (let t = 0; t < taps; t++) {
      const w = k[t]!;
      const at = ((r + 1 + t) % taps) * ow;
      for (let c = 0; c < ow; c++) {
        ux[c]! += w * rx[at + c]!;
        uy[c]! += w * ry[at + c]!;
        us[c]! += w * rs[at + c]!;
        up[c]! += w * rp[at + c]!;
      }
    }
    for (let c = 0; c < ow; c++) {
      const mx = ux[c]!;
      const my = uy[c]!;
      const mm = mx * mx + my * my;
      const variances = covNorm * (us[c]! - mm);
      const covariance = covNorm * (up[c]! - mx * my);
      const cs = (2 * covariance + c2) / (variances + c2);
      csSum += cs;
      ssimSum += ((2 * mx * my + c1) / (mm + c1)) * cs;
    }
  }
  const count = ow * oh;
  return { ssim: ssimSum / count, cs: csSum / count };
}

/** ssimRows over two float planes. */
export function ssimPlane(
  x: Float64Array,
  y: Float64Array,
  width: number,
  height: number,
  p: Resolved,
): { ssim: number; cs: number } {
  return ssimRows(planeRows(x, y, width), width, height, p);
}

/** Mean SSIM of two images (channels scored separately, then averaged). */
export function ssim(pred: Image, target: Image, options: SsimOptions = {}): number {
  checkPair(pred, target);
  const p = resolveSsim(options, resolveDataRange(target, options.dataRange));
  const taps = p.weights.length;
  if (target.width < taps || target.height < taps) {
    throw invalid(
      `the image (${target.width}x${target.height}) is smaller than the ${taps}x${taps} SSIM window`,
      'use larger frames or a smaller window',
    );
  }
  const eightBit = isIntegerImage(pred) && isIntegerImage(target);
  const fast =
    eightBit && options.precision !== 'f64' ? ssimChannelsWasm(pred, target, p.weights, p) : undefined;
  if (fast) return fast.reduce((sum, c) => sum + c.ssim, 0) / fast.length;
  let total = 0;
  for (let ch = 0; ch < target.channels; ch++) {
    total += ssimRows(channelRows(pred, target, ch), target.width, target.height, p).ssim;
  }
  return total / target.channels;
}

/** SSIM over frames; `compute()` averages the per-frame values. */
export class SSIM extends FrameMetric<Image, SsimOptions> {
  constructor(options: SsimOptions = {}) {
    super('ssim', ssim, options);
  }
}
