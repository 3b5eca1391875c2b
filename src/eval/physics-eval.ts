import { OrbisError } from '../core/index.js';
import { IoU } from './iou.js';
import { mean } from './metric.js';
import type { LoadedPredictor, PhysicsCase, PredictorInput, RgbFrame } from './physics.js';
import { PHYSICS_PROTOCOL } from './physics.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';
import { type TrackerReference, trackObjects } from './tracker.js';

/** Scores of one clip (or the mean of several). */
export interface PhysicsScores {
  psnr: number;
  ssim: number;
  iou: number;
  /** The tracker's IoU on the true future: the most IoU the tracker lets any prediction reach. */
  trackerIou: number;
}

/**
 * How far apart the futures of one clip are ("multiverse"): the mean over pairs of samples of the PSNR
 * between them (capped at 100 dB; lower = further apart) and the IoU between their tracked masks (lower =
 * the objects went different ways), over the predicted frames. NaN with fewer than 2 samples.
 */
export interface FutureSpread {
  pairPsnr: number;
  pairIou: number;
}

/**
 * Object IoU frame by frame over the predicted frames (index 0: the first frame after the conditioning ones),
 * averaged as `iou` is; its mean over frames is `iou`. Shows where futures lose their objects: at once or
 * as they go on. Empty where `iou` is undefined (no moving object in view).
 */
export interface IouOverTime {
  iouOverTime: number[];
}

export interface PhysicsCaseResult extends PhysicsScores, FutureSpread, IouOverTime {
  scenario: string;
  seed: number;
  view: number;
  /** Distinct videos scored (a deterministic predictor returns one for all samples). */
  distinctSamples: number;
  /** Each future's own scores against the truth, in sample order. */
  futures: Omit<PhysicsScores, 'trackerIou'>[];
}

export interface PhysicsRow extends PhysicsScores, FutureSpread, IouOverTime {
  scenario: string;
  clips: number;
}

export interface PhysicsReport {
  model: string;
  conditioningFrames: number;
  samples: number;
  rows: PhysicsRow[];
  /** Mean over scenarios (each scenario weighs the same). */
  mean: PhysicsScores & FutureSpread & IouOverTime;
  cases: PhysicsCaseResult[];
  /** Clips the predictor failed on: recorded, the run goes on. */
  errors: { scenario: string; seed: number; view: number; error: string }[];
  note?: string;
}

export interface PhysicsRunOptions {
  conditioningFrames: number;
  samples: number;
  /** Base sampling seed (sample i uses seed + i). */
  seed?: number;
  onCase?: (result: PhysicsCaseResult) => void;
  /**
   * Each clip's futures as scored, awaited before the next clip: `masks[i]` are the tracker's masks of
   * `videos[i]`'s predicted frames (the frames after the conditioning ones).
   */
  onFutures?: (
    clip: PhysicsCase,
    videos: readonly RgbFrame[][],
    masks: readonly Uint8Array[][],
  ) => Promise<void> | void;
}

/** The objects scored on a clip: the moving ones visible in the last conditioning frame. */
export function trackedObjects(clip: PhysicsCase, conditioningFrames: number): number[] {
  const mask = clip.masks[conditioningFrames - 1]!;
  return clip.objects.filter((id) => mask.includes(id));
}

/**
 * The tracker starts from the video's own first frames (a tokenizer or a world model redraws the
 * conditioning frames in its own colors) with the ground-truth masks of those frames.
 */
function references(
  clip: PhysicsCase,
  video: readonly RgbFrame[],
  conditioningFrames: number,
): TrackerReference[] {
  return video.slice(0, conditioningFrames).map((frame, i) => ({ frame, mask: clip.masks[i]! }));
}

/** The tracker's masks of the scored objects on the frames after the conditioning ones. */
export function trackedMasks(
  clip: PhysicsCase,
  video: readonly RgbFrame[],
  conditioningFrames: number,
): Uint8Array[] {
  const objects = trackedObjects(clip, conditioningFrames);
  if (objects.length === 0) return [];
  return trackObjects(references(clip, video, conditioningFrames), objects, video.slice(conditioningFrames));
}

/**
 * IoU of two mask sequences over `ids`, frame by frame: each frame's mean over the ids present in either
 * mask (1 where none is). Ids outside `ids` count as background in both. Empty without ids.
 */
export function frameIous(
  a: readonly Uint8Array[],
  b: readonly Uint8Array[],
  ids: readonly number[],
  width: number,
  height: number,
): number[] {
  if (ids.length === 0 || a.length === 0) return [];
  const keep = new Set(ids);
  const only = (m: Uint8Array) => m.map((v) => (keep.has(v) ? v : 0));
  const iou = new IoU(ids);
  a.forEach((m, i) => {
    iou.update({ width, height, data: only(m) }, { width, height, data: only(b[i]!) });
  });
  return iou.compute().perFrame.map((f) => f.mIoU);
}

/** IoU of two mask sequences over `ids`: the mean over frames of `frameIous`. NaN without ids. */
export function sequenceIou(
  a: readonly Uint8Array[],
  b: readonly Uint8Array[],
  ids: readonly number[],
  width: number,
  height: number,
): number {
  const frames = frameIous(a, b, ids, width, height);
  return mean(frames);
}

/** IoU of tracked masks over the frames after the conditioning ones: per frame over objects, then over frames. */
export function trackedIou(
  clip: PhysicsCase,
  video: readonly RgbFrame[],
  conditioningFrames: number,
): number {
  const frames = iouOfMasks(clip, trackedMasks(clip, video, conditioningFrames), conditioningFrames);
  return mean(frames);
}

/** Frame by frame IoU of tracked masks against the truth after the conditioning frames (`frameIous`). */
function iouOfMasks(clip: PhysicsCase, masks: readonly Uint8Array[], conditioningFrames: number): number[] {
  const { width, height } = clip.frames[0]!;
  const truth = clip.masks.slice(conditioningFrames, conditioningFrames + masks.length);
  return frameIous(masks, truth, trackedObjects(clip, conditioningFrames), width, height);
}

/** Mean PSNR (capped at 100 dB) between two videos over the frames from `from` on. */
export function videoPsnr(a: readonly RgbFrame[], b: readonly RgbFrame[], from: number): number {
  if (a === b) return 100;
  const p: number[] = [];
  for (let f = from; f < a.length; f++)
    p.push(psnr({ ...a[f]!, channels: 3 }, { ...b[f]!, channels: 3 }, { maxDb: 100 }));
  return mean(p);
}

/**
 * The spread between a clip's futures: mean pairwise PSNR over the predicted frames and mean pairwise IoU
 * of their tracked masks (`masks[i]` are future i's, from `trackedMasks`). NaN with fewer than 2 futures.
 */
export function futureSpread(
  clip: PhysicsCase,
  videos: readonly (readonly RgbFrame[])[],
  masks: readonly (readonly Uint8Array[])[],
  conditioningFrames: number,
): FutureSpread {
  const { width, height } = clip.frames[0]!;
  const objects = trackedObjects(clip, conditioningFrames);
  const p: number[] = [];
  const q: number[] = [];
  for (let i = 0; i < videos.length; i++)
    for (let j = i + 1; j < videos.length; j++) {
      const same = videos[i] === videos[j];
      p.push(same ? 100 : videoPsnr(videos[i]!, videos[j]!, conditioningFrames));
      q.push(same ? 1 : sequenceIou(masks[i]!, masks[j]!, objects, width, height));
    }
  const finite = q.filter((v) => Number.isFinite(v));
  return {
    pairPsnr: p.length ? mean(p) : Number.NaN,
    pairIou: finite.length ? mean(finite) : Number.NaN,
  };
}

/** PSNR (capped at 100 dB), SSIM and tracked IoU of one predicted video against the clip's truth. */
export function scoreVideo(
  clip: PhysicsCase,
  video: readonly RgbFrame[],
  conditioningFrames: number,
): Omit<PhysicsScores, 'trackerIou'> {
  const { masks: _masks, iouOverTime: _frames, ...scores } = scoreAndTrack(clip, video, conditioningFrames);
  return scores;
}

function scoreAndTrack(
  clip: PhysicsCase,
  video: readonly RgbFrame[],
  conditioningFrames: number,
): Omit<PhysicsScores, 'trackerIou'> & IouOverTime & { masks: Uint8Array[] } {
  checkVideo(clip, video);
  const p: number[] = [];
  const s: number[] = [];
  for (let f = conditioningFrames; f < clip.frames.length; f++) {
    const a = { ...video[f]!, channels: 3 };
    const b = { ...clip.frames[f]!, channels: 3 };
    p.push(psnr(a, b, { maxDb: 100 }));
    s.push(ssim(a, b));
  }
  const masks = trackedMasks(clip, video, conditioningFrames);
  const iouOverTime = iouOfMasks(clip, masks, conditioningFrames);
  return { psnr: mean(p), ssim: mean(s), iou: mean(iouOverTime), iouOverTime, masks };
}

function checkVideo(clip: PhysicsCase, video: readonly RgbFrame[]): void {
  const { width, height } = clip.frames[0]!;
  if (video.length !== clip.frames.length)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `the predictor returned ${video.length} frames, the protocol needs ${clip.frames.length}`,
    );
  const bad = video.find(
    (f) => f.width !== width || f.height !== height || f.data.length !== width * height * 3,
  );
  if (bad)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `the predictor returned a ${bad.width}x${bad.height} frame (${bad.data.length} bytes), the protocol needs ${width}x${height} RGB`,
    );
}

/** The predictor's input for a clip. */
export function predictorInput(clip: PhysicsCase, options: PhysicsRunOptions): PredictorInput {
  const c = options.conditioningFrames;
  return {
    frames: clip.frames.slice(0, c),
    caption: clip.caption,
    ...(clip.actions ? { actions: clip.actions } : {}),
    scenario: clip.scenario,
    conditioningFrames: c,
    samples: options.samples,
    seed: options.seed ?? 0,
    conditioningMasks: clip.masks.slice(0, c),
    objects: trackedObjects(clip, c),
  };
}

/** The protocol's conditioning (1 or 9 frames) that this predictor can run, or a clear error. */
export function checkConditioning(predictor: LoadedPredictor, c: number): number {
  if (!PHYSICS_PROTOCOL.conditioning.includes(c))
    throw new OrbisError('INVALID_ARGUMENT', `conditioning on ${c} frames: the protocol takes 1 or 9`);
  if (predictor.supports && !predictor.supports(c))
    throw new OrbisError('INVALID_ARGUMENT', `${predictor.name} cannot condition on ${c} frame(s)`, {
      hint: 'use --frames 9',
    });
  return c;
}

/** Runs a predictor over the clips and averages per scenario: the physics table. */
export async function runPhysicsEval(
  predictor: LoadedPredictor,
  clips: AsyncIterable<PhysicsCase> | Iterable<PhysicsCase>,
  options: PhysicsRunOptions,
): Promise<PhysicsReport> {
  const c = checkConditioning(predictor, options.conditioningFrames);
  const cases: PhysicsCaseResult[] = [];
  const errors: PhysicsReport['errors'] = [];
  for await (const clip of clips) {
    const where = { scenario: clip.scenario, seed: clip.seed, view: clip.view };
    let videos: RgbFrame[][];
    try {
      const input = predictorInput(clip, options);
      if (predictor.readsTruth) input.truth = clip.frames;
      videos = await predictor.predict(input);
      if (videos.length !== options.samples)
        throw new OrbisError(
          'MODEL_INPUT_MISMATCH',
          `${videos.length} futures returned, ${options.samples} asked`,
        );
      for (const v of videos) checkVideo(clip, v);
    } catch (error) {
      errors.push({ ...where, error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const distinct = [...new Set(videos)];
    const scores = distinct.map((v) => scoreAndTrack(clip, v, c));
    const of = (v: RgbFrame[]) => scores[distinct.indexOf(v)]!;
    // Each distinct video weighs as many samples as returned it.
    const weight = distinct.map((v) => videos.filter((x) => x === v).length / videos.length);
    const avg = (key: 'psnr' | 'ssim' | 'iou') => scores.reduce((s, x, i) => s + x[key] * weight[i]!, 0);
    const result: PhysicsCaseResult = {
      ...where,
      psnr: avg('psnr'),
      ssim: avg('ssim'),
      iou: avg('iou'),
      iouOverTime: (scores[0]?.iouOverTime ?? []).map((_, f) =>
        scores.reduce((s, x, i) => s + x.iouOverTime[f]! * weight[i]!, 0),
      ),
      trackerIou: trackedIou(clip, clip.frames, c),
      ...futureSpread(
        clip,
        videos,
        videos.map((v) => of(v).masks),
        c,
      ),
      distinctSamples: distinct.length,
      futures: videos.map((v) => {
        const { psnr, ssim, iou } = of(v);
        return { psnr, ssim, iou };
      }),
    };
    cases.push(result);
    await options.onFutures?.(
      clip,
      videos,
      videos.map((v) => of(v).masks),
    );
    options.onCase?.(result);
  }
  const rows = summarize(cases);
  return {
    model: predictor.name,
    conditioningFrames: c,
    samples: options.samples,
    rows,
    mean: { ...meanScores(rows), iouOverTime: meanOverTime(rows) },
    cases,
    errors,
    ...(predictor.note ? { note: predictor.note } : {}),
  };
}

function summarize(cases: readonly PhysicsCaseResult[]): PhysicsRow[] {
  const scenarios = [...new Set(cases.map((c) => c.scenario))];
  return scenarios.map((scenario) => {
    const mine = cases.filter((c) => c.scenario === scenario);
    return { scenario, clips: mine.length, ...meanScores(mine), iouOverTime: meanOverTime(mine) };
  });
}

/** Frame by frame mean of `iouOverTime`, over the items that have it (each weighs the same). */
function meanOverTime(items: readonly IouOverTime[]): number[] {
  const frames = Math.max(0, ...items.map((i) => i.iouOverTime.length));
  return Array.from({ length: frames }, (_, f) => {
    const values = items.map((i) => i.iouOverTime[f]).filter((v): v is number => v !== undefined);
    return mean(values);
  });
}

/** Mean of each score, leaving out clips where it is undefined (no moving object in view). */
function meanScores(items: readonly (PhysicsScores & FutureSpread)[]): PhysicsScores & FutureSpread {
  const of = (key: keyof (PhysicsScores & FutureSpread)) => {
    const values = items.map((i) => i[key]).filter((v) => Number.isFinite(v));
    return values.length ? mean(values) : Number.NaN;
  };
  return {
    psnr: of('psnr'),
    ssim: of('ssim'),
    iou: of('iou'),
    trackerIou: of('trackerIou'),
    pairPsnr: of('pairPsnr'),
    pairIou: of('pairIou'),
  };
}
