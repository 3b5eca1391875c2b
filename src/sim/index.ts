export { type Camera, cameraMatrices, project, VIEWS, worldViews } from './camera.js';
export { captionFor } from './caption.js';
export { contactSheet, type Sheet, type SheetOptions } from './contact-sheet.js';
export { type RolloutFacts, readFacts } from './facts.js';
export { type GenerateHooks, type GenerateReport, generate, requireWritableDir } from './generate.js';
export {
  checkSeeds,
  checkViewMemory,
  EVAL_SEED_BASE,
  type GenerateOptions,
  parseChannels,
  parseFormat,
  parseFps,
  parseScenarios,
  parseSeeds,
  parseViews,
  parseWholeNumber,
} from './generate-options.js';
export { type Look, makeLook } from './look.js';
export { decodeNpy, encodeNpy } from './npy.js';
export { GRAVITY, initPhysics, PHYSICS_RATE, simulate } from './physics.js';
export type { FrameChannels } from './render.js';
export { renderView, type ViewVideo } from './render-rollout.js';
export {
  type JobResult,
  runJob,
  SIM_CHANNELS,
  type SimChannel,
  type SimFormat,
  type SimJob,
  writeWorldVideo,
} from './run-job.js';
export { sampleKey } from './sample-key.js';
export { type SampleMeta, sampleJsonSchema, sampleMetaSchema } from './sample-meta.js';
export { findScenario, type PushPolicy, SCENARIOS, type Scenario } from './scenarios/index.js';
export { type BodySpec, POSE_SIZE, poseOf, type Rollout, type WorldSpec } from './world.js';
