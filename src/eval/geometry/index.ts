export {
  detectAndDescribe,
  type FeatureOptions,
  type Features,
  type GrayImage,
  type Keypoint,
} from './features.js';
export { type Correspondences, eightPoint, epipolarDistances, sampsonDistances } from './fundamental.js';
export { angleBetweenDeg, type Mat3, rotationAngleDeg, type Vec3 } from './linalg.js';
export { type Match, type MatchOptions, matchFeatures, toCorrespondences } from './match.js';
export {
  essentialFromFundamental,
  guessIntrinsics,
  type Intrinsics,
  intrinsicsMatrix,
  type RelativePose,
  recoverPose,
} from './pose.js';
export { type FundamentalEstimate, findFundamental, type RansacOptions } from './ransac.js';
export { REFERENCE_SIZE, type TwoViewOptions, type TwoViewResult, twoViewGeometry } from './two-view.js';
