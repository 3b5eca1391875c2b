import { channelPlane, checkPair, type Image, invalid, resolveDataRange } from './image.js';
import { FrameMetric } from './metric.js';
import { resolveSsim, ssimPlane } from './ssim.js';

/** Wang, Simoncelli & Bovik (2003): the weights of the five scales. */
export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] as const;

export interface MsSsimOptions {
  dataRange?: number;
  /** Scale weights, finest first (default the paper's five). */
  weights?: readonly number[];
  sigma?: number;
  k1?: number;
  k2?: number;
}

/**
 * Multi-scale SSIM: contrast-structure at every scale but the coarsest, full SSIM at the coarsest, each
 * raised to its weight. Each scale uses the 11-tap Gaussian window over the valid region, with population
 * covariance; between scales the image is averaged over 2x2 blocks (a trailing odd row or column is
 * dropped). Negative terms are clamped to 0 before the power, so the result stays real.
 * The smallest usable side is 11 x 2^(scales-1) pixels (176 for five scales).
 */
export function msSsim(pred: Image, target: Image, options: MsSsimOptions = {}): number {
  checkPair(pred, target);
  const weights = options.weights ?? MS_SSIM_WEIGHTS;
  const range = resolveDataRange(target, options.dataRange);
  const p = resolveSsim(
    {
      gaussianWeights: true,
      sigma: options.sigma ?? 1.5,
      k1: options.k1,
      k2: options.k2,
      useSampleCovariance: false,
    },
    range,
  );
  const minSide = p.weights.length * 2 ** (weights.length - 1);
  if (Math.min(target.width, target.height) < minSide) {
    throw invalid(
      `MS-SSIM with ${weights.length} scales needs images of at least ${minSide}x${minSide}, not ${target.width}x${target.height}`,
      'use fewer scales (weights) or SSIM',
    );
  }
  let total = 0;
  for (let ch = 0; ch < target.channels; ch++) {
    let x = channelPlane(pred, ch);
    let y = channelPlane(target, ch);
    let w = target.width;
    let h = target.height;
    let value = 1;
    for (let s = 0; s < weights.length; s++) {
      const { ssim, cs } = ssimPlane(x, y, w, h, p);
      const last = s === weights.length - 1;
      value *= Math.max(0, last ? ssim : cs) ** weights[s]!;
      if (!last) {
        ({ plane: x } = halve(x, w, h));
        ({ plane: y, width: w, height: h } = halve(y, w, h));
      }
    }
    total += value;
  }
  return total / target.channels;
}

function halve(
  plane: Float64Array,
  width: number,
  height: number,
): { plane: Float64Array; width: number; height: number } {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Float64Array(w * h);
  for (let r = 0; r < h; r++) {
    const a = 2 * r * width;
    const b = a + width;
    for (let c = 0; c < w; c++) {
      out[r * w + c] =
        (plane[a + 2 * c]! + plane[a + 2 * c + 1]! + plane[b + 2 * c]! + plane[b + 2 * c + 1]!) / 4;
    }
  }
  return { plane: out, width: w, height: h };
}

export class MSSSIM extends FrameMetric<Image, MsSsimOptions> {
  constructor(options: MsSsimOptions = {}) {
    super('ms-ssim', msSsim, options);
  }
}
