import { checkPair, type Image, resolveDataRange } from './image.js';
import { FrameMetric } from './metric.js';

export interface PsnrOptions {
  /** Range of sample values; 255 for uint8, required for floats. */
  dataRange?: number;
  /**
   * Cap in dB for (nearly) identical images, whose PSNR is infinite; none by default (as scikit-image).
   * Video tools usually cap at 100 so one identical frame does not make the mean infinite.
   */
  maxDb?: number;
}

/** Mean squared error over every sample of two images of the same shape. */
export function meanSquaredError(pred: Image, target: Image): number {
  checkPair(pred, target);
  const a = pred.data;
  const b = target.data;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return sum / a.length;
}

/**
 * Peak signal-to-noise ratio in dB, 10 log10(R^2 / MSE), over all samples (as scikit-image's
 * peak_signal_noise_ratio). Identical images give Infinity.
 */
export function psnr(pred: Image, target: Image, options: PsnrOptions = {}): number {
  const range = resolveDataRange(target, options.dataRange);
  const value = psnrFromMse(meanSquaredError(pred, target), range);
  return options.maxDb === undefined ? value : Math.min(value, options.maxDb);
}

export function psnrFromMse(mse: number, range: number): number {
  return 10 * Math.log10((range * range) / mse);
}

/** PSNR over frames. `compute()` averages the per-frame PSNRs (the usual video PSNR). */
export class PSNR extends FrameMetric<Image, PsnrOptions> {
  constructor(options: PsnrOptions = {}) {
    super('psnr', psnr, options);
  }
}
