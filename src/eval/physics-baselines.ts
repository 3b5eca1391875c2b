import { invalid } from './image.js';
import { type LoadedPredictor, PHYSICS_PROTOCOL, type PredictorInput, type RgbFrame } from './physics.js';
import { shift } from './tracker.js';

/**
 * The baselines of the physics table: what a world model must beat (copy the last input frame; move each
 * object at constant velocity) and the ceiling its tokenizer allows (the true future through the
 * tokenizer). Each is deterministic, so it returns one video for all samples.
 */

/** The last conditioning frame, repeated to the clip's length. */
export function copyLastPredictor(): LoadedPredictor {
  return {
    name: 'copy-last',
    note: 'copy-last: the last input frame repeated; the tracker on it returns the last ground-truth mask',
    predict: async (input) => {
      const last = input.frames[input.frames.length - 1]!;
      const video = [
        ...input.frames,
        ...Array.from({ length: PHYSICS_PROTOCOL.frames - input.frames.length }, () => last),
      ];
      return Array.from({ length: input.samples }, () => video);
    },
  };
}

/** Frames of the conditioning window a velocity is fitted over (the latest, since objects accelerate). */
const VELOCITY_WINDOW = 4;

/**
 * Each moving object's pixels (per its ground-truth mask in the last input frame) shifted at the
 * image-space velocity of its mask centroid, fitted by least squares over the last input frames. The
 * background is the last frame with the objects' old areas filled from the latest input frame where no
 * moving object covered that pixel; objects are painted far to near, by their lowest image row.
 */
export function constantVelocityPredictor(): LoadedPredictor {
  return {
    name: 'constant-velocity',
    note: `constant-velocity: object pixels shifted at their mask velocity over the last ${VELOCITY_WINDOW} input frames; uncovered background from earlier input frames`,
    supports: (conditioning) => conditioning >= 2,
    predict: async (input) => {
      const video = constantVelocity(input);
      return Array.from({ length: input.samples }, () => video);
    },
  };
}

function constantVelocity(input: PredictorInput): RgbFrame[] {
  const masks = input.conditioningMasks;
  const objects = input.objects ?? [];
  if (!masks || masks.length !== input.frames.length)
    throw invalid('constant velocity needs the ground-truth masks of every conditioning frame');
  const last = input.frames[input.frames.length - 1]!;
  const lastMask = masks[masks.length - 1]!;
  const { width, height } = last;
  const n = width * height;
  const moving = new Set(objects);
  const background = last.data.slice();
  for (let p = 0; p < n; p++) {
    if (!moving.has(lastMask[p]!)) continue;
    for (let f = masks.length - 2; f >= 0; f--) {
      if (moving.has(masks[f]![p]!)) continue;
      background.set(input.frames[f]!.data.subarray(3 * p, 3 * p + 3), 3 * p);
      break;
    }
  }
  const layers = objects
    .map((id) => ({
      id,
      mask: Uint8Array.from(lastMask, (v) => (v === id ? 1 : 0)),
      ...velocity(masks, id, width),
    }))
    .filter((o) => o.mask.some((v) => v))
    .sort((a, b) => lowestRow(a.mask, width) - lowestRow(b.mask, width));
  const out: RgbFrame[] = [...input.frames];
  for (let t = 1; out.length < PHYSICS_PROTOCOL.frames; t++) {
    const data = background.slice();
    for (const o of layers) {
      const dx = Math.round(o.vx * t);
      const dy = Math.round(o.vy * t);
      const moved = shift(o.mask, width, height, dx, dy);
      for (let p = 0; p < n; p++) {
        if (!moved[p]) continue;
        const source = p - dy * width - dx;
        data.set(last.data.subarray(3 * source, 3 * source + 3), 3 * p);
      }
    }
    out.push({ width, height, data });
  }
  return out;
}

function velocity(masks: readonly Uint8Array[], id: number, width: number): { vx: number; vy: number } {
  const points: [number, number, number][] = [];
  for (let f = Math.max(0, masks.length - VELOCITY_WINDOW); f < masks.length; f++) {
    let sx = 0;
    let sy = 0;
    let count = 0;
    const mask = masks[f]!;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p] !== id) continue;
      sx += p % width;
      sy += Math.floor(p / width);
      count++;
    }
    if (count) points.push([f, sx / count, sy / count]);
  }
  if (points.length < 2) return { vx: 0, vy: 0 };
  const mt = points.reduce((s, p) => s + p[0], 0) / points.length;
  const slope = (axis: 1 | 2) => {
    const mv = points.reduce((s, p) => s + p[axis], 0) / points.length;
    const num = points.reduce((s, p) => s + (p[0] - mt) * (p[axis] - mv), 0);
    const den = points.reduce((s, p) => s + (p[0] - mt) ** 2, 0);
    return num / den;
  };
  return { vx: slope(1), vy: slope(2) };
}

function lowestRow(mask: Uint8Array, width: number): number {
  for (let p = mask.length - 1; p >= 0; p--) if (mask[p]) return Math.floor(p / width);
  return -1;
}

/** What the tokenizer baseline needs of a tokenizer (`VideoTokenizer` has it). */
export interface RoundTripper {
  roundTrip(frames: readonly RgbFrame[]): Promise<{ frames: RgbFrame[] }>;
  close(): Promise<void>;
}

/**
 * The true future, encoded and decoded: the best a world model generating in this tokenizer's space can
 * do. It reads the ground truth, so it is a ceiling, not a predictor.
 */
export function tokenizerPredictor(
  name: string,
  tokenizer: RoundTripper,
  label = 'tokenizer',
): LoadedPredictor {
  return {
    name: label,
    note: `tokenizer: the true 33 frames through ${name} (encode + decode), a ceiling, not a prediction`,
    readsTruth: true,
    predict: async (input) => {
      if (!input.truth) throw invalid('the tokenizer ceiling needs the true frames (readsTruth)');
      const { frames } = await tokenizer.roundTrip(input.truth);
      return Array.from({ length: input.samples }, () => frames);
    },
    close: () => tokenizer.close(),
  };
}
