export {
  type BoundaryKind,
  blendResidual,
  type DetectedBoundary,
  type DetectShotsOptions,
  detectShots,
  ShotDetector,
  type ShotDetectorOptions,
} from './shots.js';
