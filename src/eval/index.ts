export * from './geometry/index.js';
export { checkPair, type Image, imageFromFrame, resolveDataRange } from './image.js';
export {
  binaryIou,
  IoU,
  type IouResult,
  type Mask,
  meanIou,
  type ObjectOverlap,
  objectOverlaps,
} from './iou.js';
export { DREAMSIM_FILE, DreamSim, type LearnedModelOptions, LPIPS_FILE, Lpips } from './learned.js';
export { type FrameScores, frameScores, type Metric, mean } from './metric.js';
export { MS_SSIM_WEIGHTS, MSSSIM, type MsSsimOptions, msSsim } from './ms-ssim.js';
export { meanSquaredError, PSNR, type PsnrOptions, psnr } from './psnr.js';
export { resizeBicubic } from './resize.js';
export { SSIM, type SsimOptions, ssim } from './ssim.js';
