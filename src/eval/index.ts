export {
  type ActionCase,
  type ActionCaseResult,
  type ActionReport,
  type ActionRunOptions,
  type ActionSequence,
  actionTable,
  runActionEval,
} from './actions.js';
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
export { outlineObjects } from './overlay.js';
export {
  type LoadedPredictor,
  PHYSICS_PROTOCOL,
  type PhysicsCase,
  type Predictor,
  type PredictorInput,
  type RgbFrame,
} from './physics.js';
export {
  constantVelocityPredictor,
  copyLastPredictor,
  type RoundTripper,
  tokenizerPredictor,
} from './physics-baselines.js';
export {
  type FutureSpread,
  frameIous,
  futureSpread,
  type IouOverTime,
  type PhysicsCaseResult,
  type PhysicsReport,
  type PhysicsRow,
  type PhysicsScores,
  runPhysicsEval,
  scoreVideo,
  sequenceIou,
  trackedIou,
  trackedMasks,
  trackedObjects,
  videoPsnr,
} from './physics-eval.js';
export {
  loadPhysicsPredictor,
  PHYSICS_TOKENIZER,
  type PredictorContext,
  type PredictorFactory,
  physicsPredictorNames,
  registerPhysicsPredictor,
} from './physics-registry.js';
export { multiverseLines, PUBLISHED_PHYSICS, physicsTable } from './physics-table.js';
export { meanSquaredError, PSNR, type PsnrOptions, psnr } from './psnr.js';
export { resizeBicubic } from './resize.js';
export { SSIM, type SsimOptions, ssim } from './ssim.js';
export { MaskTracker, type TrackerOptions, type TrackerReference, trackObjects } from './tracker.js';
