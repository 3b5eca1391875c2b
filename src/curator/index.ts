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
