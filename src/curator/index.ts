export {
  type AnalyzeOptions,
  analyzeVideo,
  type FrameRecord,
  type SpanSummary,
  summarizeSpan,
  type VideoAnalysis,
} from './analysis.js';
export { type Caption, type Captioner, type CaptionFrame, planFrames } from './caption/captioner.js';
export { OpenAICaptioner, type OpenAICaptionerOptions, parseAnswer } from './caption/openai-client.js';
export { type CuratorConfig, curatorConfigSchema, parseCuratorConfig } from './config.js';
export {
  buildCuratorPipeline,
  CURATOR_STAGES,
  type CurateOptions,
  type CurateReport,
  type CuratorStageName,
  curate,
  parseStages,
} from './curate.js';
export {
  collectInputs,
  globToRegExp,
  type IngestOptions,
  type IngestResult,
  VIDEO_EXTENSIONS,
} from './ingest.js';
export { type ClipScores, laplacianVariance } from './quality.js';
export type { ClipRecord, CuratorItem, VideoFailure } from './records.js';
export {
  type BoundaryKind,
  blendResidual,
  type DetectedBoundary,
  type DetectShotsOptions,
  detectShots,
  ShotDetector,
  type ShotDetectorOptions,
} from './shots.js';
export {
  removePartialShards,
  type Sample,
  type ShardOptions,
  ShardWriter,
  shardGroup,
  tarHeader,
} from './webdataset.js';
