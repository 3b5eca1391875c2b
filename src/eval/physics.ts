/**
 * The physics-alignment contract: what a predictor of futures is given and returns, and what one case of
 * the evaluation split holds. The protocol (after the Cosmos paper's): condition on the first 1 or 9 frames
 * of a 33-frame clip and the caption, predict the whole clip for several sampling seeds, and score the
 * frames after the conditioning ones against the simulator's ground truth by PSNR, SSIM and the IoU of the
 * moving objects' masks (masks on predicted frames come from a tracker started on the ground truth).
 *
 * eval/ cannot import sim/ or predict/ (same or higher layer): ground-truth cases come in as data, and
 * predictors are plugged in through `Predictor`.
 */

/** One RGB frame, 3 bytes per pixel, row-major (the shape of a tokenizer frame). */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The protocol's fixed numbers. */
export const PHYSICS_PROTOCOL = {
  width: 128,
  height: 128,
  frames: 33,
  fps: 24,
  conditioning: [1, 9] as readonly number[],
  samples: 4,
} as const;

/** One view of one held-out rollout, rendered: the ground truth a prediction is scored against. */
export interface PhysicsCase {
  scenario: string;
  seed: number;
  view: number;
  caption: string;
  /** `PHYSICS_PROTOCOL.frames` frames. */
  frames: RgbFrame[];
  /** Instance-id masks per frame (width x height), ids as in `frames`. */
  masks: Uint8Array[];
  /** The moving objects (dynamic, not furniture): the only ids IoU is scored on. */
  objects: number[];
  /** Per-frame 7-D actions where the scenario has them. */
  actions?: Float32Array;
}

export interface PredictorInput {
  /** The conditioning frames (1 or 9), the first frames of the clip. */
  frames: RgbFrame[];
  caption: string;
  actions?: Float32Array;
  scenario: string;
  conditioningFrames: number;
  /** How many futures to return. */
  samples: number;
  /** Base sampling seed; sample i uses seed + i. */
  seed: number;
  /**
   * Ground-truth masks of the conditioning frames and the moving objects' ids. Only baselines built on
   * object masks (constant velocity) read them; a world model must ignore them.
   */
  conditioningMasks?: Uint8Array[];
  objects?: number[];
  /** The clip's true frames: given only to a ceiling that declares `readsTruth` (never to a predictor). */
  truth?: RgbFrame[];
}

/**
 * Anything that predicts futures: returns `samples` videos of `PHYSICS_PROTOCOL.frames` frames each (their
 * first `conditioningFrames` may repeat the input; they are not scored). A deterministic predictor may
 * return the same array for every sample: it is then scored once.
 */
export type Predictor = (input: PredictorInput) => Promise<RgbFrame[][]>;

/** A predictor with whatever it holds open (an ONNX session) and a way to release it. */
export interface LoadedPredictor {
  name: string;
  predict: Predictor;
  /** Conditioning settings it cannot run (constant velocity needs several frames). */
  supports?: (conditioningFrames: number) => boolean;
  /** One line on how it works, printed under the table. */
  note?: string;
  /** A ceiling, not a predictor: it is handed the true frames (`PredictorInput.truth`). */
  readsTruth?: boolean;
  close?: () => Promise<void>;
}
