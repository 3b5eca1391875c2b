import { detectAndDescribe, type FeatureOptions, type GrayImage } from './features.js';
import { type MatchOptions, matchFeatures, toCorrespondences } from './match.js';
import {
  essentialFromFundamental,
  guessIntrinsics,
  type Intrinsics,
  type RelativePose,
  recoverPose,
} from './pose.js';
import { findFundamental, type RansacOptions } from './ransac.js';

/** The frame size the reference protocol normalizes Sampson errors to. */
export const REFERENCE_SIZE = { width: 960, height: 540 } as const;

export interface TwoViewOptions {
  features?: FeatureOptions;
  match?: MatchOptions;
  ransac?: RansacOptions;
  /** Camera intrinsics in pixels of the frames given; default a centred 60-degree horizontal view. */
  intrinsics?: Intrinsics;
  /** Fewest RANSAC inliers for a pose to count as estimated (default 20). */
  minInliers?: number;
  /** Smallest share of triangulated inliers that must lie in front of both cameras (default 0.9). */
  minCheirality?: number;
}

export interface TwoViewResult {
  keypoints: [number, number];
  matches: number;
  inliers: number;
  /** Mean Sampson error (first-order geometric error, pixels) of the inliers, coordinates scaled to 960x540. */
  sampsonError: number;
  pose: RelativePose | undefined;
  /** Pose estimation succeeded: enough inliers and a pose that puts them in front of both cameras. */
  success: boolean;
}

/**
 * Geometry between two views of a static scene: features, matches, a fundamental matrix by RANSAC, its
 * Sampson error, and the relative pose, as the reference's 3D-consistency protocol measures it. Keypoint
 * coordinates are rescaled to 960x540 before estimation, so errors and thresholds read the same at any
 * resolution.
 */
export function twoViewGeometry(a: GrayImage, b: GrayImage, options: TwoViewOptions = {}): TwoViewResult {
  const fa = detectAndDescribe(a, options.features);
  const fb = detectAndDescribe(b, options.features);
  const matches = matchFeatures(fa, fb, options.match);
  const sx = REFERENCE_SIZE.width / a.width;
  const sy = REFERENCE_SIZE.height / a.height;
  const correspondences = toCorrespondences(fa, fb, matches, sx, sy);
  const base = {
    keypoints: [fa.keypoints.length, fb.keypoints.length] as [number, number],
    matches: matches.length,
  };
  const minInliers = options.minInliers ?? 20;
  if (matches.length < Math.max(8, minInliers)) {
    return { ...base, inliers: 0, sampsonError: Number.NaN, pose: undefined, success: false };
  }
  const estimate = findFundamental(correspondences, options.ransac);
  if (!estimate || estimate.inlierCount < minInliers) {
    return {
      ...base,
      inliers: estimate?.inlierCount ?? 0,
      sampsonError: Number.NaN,
      pose: undefined,
      success: false,
    };
  }
  let sum = 0;
  for (let i = 0; i < estimate.inliers.length; i++)
    if (estimate.inliers[i]) sum += Math.sqrt(estimate.distances[i]!);
  const k = scaleIntrinsics(options.intrinsics ?? guessIntrinsics(a.width, a.height), sx, sy);
  const pose = recoverPose(essentialFromFundamental(estimate.f, k), correspondences, k, k, estimate.inliers);
  const success = pose.inFront / pose.considered >= (options.minCheirality ?? 0.9);
  return { ...base, inliers: estimate.inlierCount, sampsonError: sum / estimate.inlierCount, pose, success };
}

function scaleIntrinsics(k: Intrinsics, sx: number, sy: number): Intrinsics {
  return { fx: k.fx * sx, fy: k.fy * sy, cx: k.cx * sx, cy: k.cy * sy };
}
