export { MAX_GUIDANCE } from './guidance.js';
export {
  cacheBlock,
  cacheForm,
  loadWorldModel,
  WORLD_MODEL_FAMILY,
  type WorldModelOptions,
} from './onnx-world-model.js';
export {
  checkActions,
  type FutureFrames,
  type GenerationRequest,
  type GenerationSettings,
  type Prediction,
  type PredictJob,
  Predictor,
  type PredictRequest,
  type PredictStatus,
} from './predict.js';
export {
  checkSampling,
  digitBasis,
  drawToken,
  positionUniform,
  type SamplingOptions,
  sampleDigit,
  sampleTokens,
  seededRandom,
  tokenOf,
} from './sampler.js';
export { type ScenarioStart, type ScenarioStartOptions, scenarioStart } from './scenario-start.js';
export {
  actionFeatures,
  captionPrompt,
  codebookSize,
  fnv1a32,
  framesOf,
  latentsOf,
  parseWorldModelConfig,
  promptTokens,
  promptWords,
  type WorldModel,
  type WorldModelConfig,
  type WorldModelRollout,
} from './world-model.js';
