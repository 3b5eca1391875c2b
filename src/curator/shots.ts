import type { Frame } from '../core/index.js';
import { type DecodeOptions, decodeFrames } from '../video/index.js';

/**
 * Shot-boundary detection on small frames, streaming with bounded memory.
 *
 * Hard cuts: the mean absolute difference between consecutive frames spikes above both an absolute floor
 * and `cutRatio` times its average over a rolling window (so fast motion, which raises the whole window,
 * does not fire). A spike is a flash, not a cut, when the picture comes back: the frame before it
 * resembles one of the next few, or the frame after it resembles one of the previous few.
 *
 * Gradual transitions (dissolves, fades): the difference between frames `span` apart peaks, and the middle
 * frame is well explained as a linear combination b*A + c*B of the two end frames (a dissolve mixes them;
 * a fade through black is a combination with small coefficients), which in-shot motion is not.
 */

export type BoundaryKind = 'cut' | 'gradual';

export interface DetectedBoundary {
  kind: BoundaryKind;
  /** For a cut, the first frame of the new shot; for a gradual transition, its middle. */
  frame: number;
  /** Presentation time of `frame`, in seconds. */
  time: number;
  /** Estimated extent [startFrame, endFrame). */
  startFrame: number;
  endFrame: number;
  score: number;
}

export interface ShotDetectorOptions {
  /** A cut's frame difference must exceed this many times the window average (default 3). */
  cutRatio?: number;
  /** ... and this mean absolute difference, 0-255 (default 10). */
  minCutDifference?: number;
  /** Frames each side in the rolling average (default 8). */
  window?: number;
  /** Half-width, in frames, of the comparison for gradual transitions (default 8). */
  span?: number;
  /** Smallest mean difference between frames `2 span` apart for a gradual candidate, 0-255 (default 18). */
  minGradualDifference?: number;
  /** Largest residual of the middle frame's fit, relative to the end frames' difference (default 0.3). */
  maxBlendResidual?: number;
  /** Shortest shot, in frames; closer boundaries keep the stronger (default 8). */
  minShotFrames?: number;
}

interface Stored {
  data: Uint8Array;
  time: number;
}

export class ShotDetector {
  private readonly o: Required<ShotDetectorOptions>;
  private readonly ring: Stored[] = [];
  private readonly diffs: number[] = [];
  private readonly longDiffs: number[] = [];
  private first = 0; // frame index of ring[0]
  private count = 0;
  private decided = 0; // frames before this index have been judged
  private readonly found: DetectedBoundary[] = [];

  constructor(options: ShotDetectorOptions = {}) {
    this.o = {
      cutRatio: options.cutRatio ?? 3,
      minCutDifference: options.minCutDifference ?? 10,
      window: options.window ?? 8,
      span: options.span ?? 8,
      minGradualDifference: options.minGradualDifference ?? 18,
      maxBlendResidual: options.maxBlendResidual ?? 0.3,
      minShotFrames: options.minShotFrames ?? 8,
    };
  }

  private get delay(): number {
    return Math.max(this.o.window, 3 * this.o.span) + 4;
  }

  private frame(i: number): Stored | undefined {
    return this.ring[i - this.first];
  }

  /** Feed the next frame (all frames of one size, in order). */
  push(frame: Pick<Frame, 'data' | 'timestamp'>): void {
    const stored = { data: frame.data, time: frame.timestamp };
    const previous = this.frame(this.count - 1);
    this.diffs.push(previous ? meanAbsDiff(previous.data, stored.data) : 0);
    this.ring.push(stored);
    this.count++;
    const back = this.frame(this.count - 1 - 2 * this.o.span);
    // longDiffs[t] compares t - span with t + span; it becomes known when frame t + span arrives.
    if (back) this.longDiffs[this.count - 1 - this.o.span] = meanAbsDiff(back.data, stored.data);
    while (this.decided < this.count - this.delay) this.judge(this.decided++);
    const keep = 2 * this.delay + 2;
    while (this.ring.length > keep) {
      this.ring.shift();
      this.first++;
    }
  }

  /** Judge the frames still pending and return every boundary found, in order. */
  finish(): DetectedBoundary[] {
    while (this.decided < this.count) this.judge(this.decided++);
    for (let t = Math.max(0, this.count - this.o.span); t < this.count; t++) this.judgeGradual(t);
    // Boundaries closer than a shot keep the stronger; a cut beats a gradual guess.
    const sorted = [...this.found].sort((a, b) => a.frame - b.frame);
    const kept: DetectedBoundary[] = [];
    for (const b of sorted) {
      const last = kept.at(-1);
      if (!last || b.frame - last.frame >= this.o.minShotFrames) kept.push(b);
      else if (
        (b.kind === 'cut' && last.kind === 'gradual') ||
        (b.kind === last.kind && b.score > last.score)
      )
        kept[kept.length - 1] = b;
    }
    return kept;
  }

  private judge(t: number): void {
    this.judgeCut(t);
    // Gradual transitions are judged `span` frames later, once every cut near them is known.
    if (t >= this.o.span) this.judgeGradual(t - this.o.span);
  }

  private judgeCut(t: number): void {
    const d = this.diffs[t] ?? 0;
    if (t === 0 || d < this.o.minCutDifference) return;
    let sum = 0;
    let n = 0;
    for (let k = Math.max(1, t - this.o.window); k <= Math.min(this.count - 1, t + this.o.window); k++) {
      if (k === t) continue;
      sum += this.diffs[k]!;
      n++;
    }
    const average = n ? sum / n : 0;
    if (d < this.o.cutRatio * (average + 1)) return;
    // A change of overall brightness alone (a flash, a light switched on) is no cut: the difference must
    // hold once each frame's mean colour is taken out.
    const structural = meanRemovedDiff(this.frame(t - 1)!.data, this.frame(t)!.data);
    if (structural < this.o.minCutDifference || structural < this.o.cutRatio * (average + 1)) return;
    // A flash: the picture before the spike comes back after it, or the one after was there before.
    const before = this.frame(t - 1);
    const at = this.frame(t);
    if (!before || !at) return;
    for (let j = 1; j <= 3; j++) {
      const later = this.frame(t + j);
      if (later && meanAbsDiff(before.data, later.data) < 0.5 * d) return;
      const earlier = this.frame(t - 1 - j);
      if (earlier && meanAbsDiff(at.data, earlier.data) < 0.5 * d) return;
    }
    this.add({
      kind: 'cut',
      frame: t,
      time: at.time,
      startFrame: t,
      endFrame: t + 1,
      score: d / (average + 1),
    });
  }

  private judgeGradual(t: number): void {
    const s = this.o.span;
    const g = this.longDiffs[t];
    if (g === undefined || g < this.o.minGradualDifference) return;
    // A local maximum of the long-range difference.
    for (let k = t - s; k <= t + s; k++) {
      const other = this.longDiffs[k];
      if (k !== t && other !== undefined && (other > g || (other === g && k < t))) return;
    }
    // Not a cut seen through a wide window.
    if (this.found.some((b) => b.kind === 'cut' && Math.abs(b.frame - t) <= s)) return;
    const a = this.frame(t - s);
    const m = this.frame(t);
    const b = this.frame(t + s);
    if (!a || !m || !b) return;
    const fit = blendFit(a.data, b.data, m.data);
    if (fit.residual > this.o.maxBlendResidual) return;
    // The middle must need both ends: a dissolve mixes them, a fade passes through dark. A frame explained
    // by one end alone is a shot with a disturbance at the other end (a flash, a brief occlusion).
    const dark = fit.meanM < 0.4 * Math.min(fit.meanA, fit.meanB);
    if (!dark && (fit.beta < 0.15 || fit.gamma < 0.15)) return;
    const residual = fit.residual;
    this.add({
      kind: 'gradual',
      frame: t,
      time: m.time,
      startFrame: t - s,
      endFrame: t + s + 1,
      score: g * (1 - residual),
    });
  }

  private add(boundary: DetectedBoundary): void {
    this.found.push(boundary);
  }
}

/** Mean absolute difference of two interleaved RGB frames after removing each frame's mean per channel. */
function meanRemovedDiff(a: Uint8Array, b: Uint8Array): number {
  const ma = [0, 0, 0];
  const mb = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ma[i % 3]! += a[i]!;
    mb[i % 3]! += b[i]!;
  }
  const n = a.length / 3;
  const shift = [0, 1, 2].map((c) => (mb[c]! - ma[c]!) / n);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(b[i]! - a[i]! - shift[i % 3]!);
  return sum / a.length;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/**
 * How well M is explained as beta*A + gamma*B (least squares), as the RMS residual over the RMS difference
 * between A and B. 0: an exact mix; near or above 1: unrelated.
 */
export function blendResidual(a: Uint8Array, b: Uint8Array, m: Uint8Array): number {
  return blendFit(a, b, m).residual;
}

interface BlendFit {
  /** Residual of M ~ beta A + gamma B, relative to |A - B|. */
  residual: number;
  beta: number;
  gamma: number;
  meanA: number;
  meanB: number;
  meanM: number;
}

function blendFit(a: Uint8Array, b: Uint8Array, m: Uint8Array): BlendFit {
  let aa = 0;
  let bb = 0;
  let ab = 0;
  let am = 0;
  let bm = 0;
  let mm = 0;
  let dd = 0;
  for (let i = 0; i < m.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const z = m[i]!;
    aa += x * x;
    bb += y * y;
    ab += x * y;
    am += x * z;
    bm += y * z;
    mm += z * z;
    dd += (x - y) * (x - y);
  }
  const n = m.length;
  const means = { meanA: Math.sqrt(aa / n), meanB: Math.sqrt(bb / n), meanM: Math.sqrt(mm / n) };
  const det = aa * bb - ab * ab;
  if (det <= 1e-9 * aa * bb || dd === 0) return { residual: Infinity, beta: 0, gamma: 0, ...means };
  const beta = (am * bb - bm * ab) / det;
  const gamma = (bm * aa - am * ab) / det;
  // |M - beta A - gamma B|^2, expanded.
  const err =
    mm + beta * beta * aa + gamma * gamma * bb - 2 * beta * am - 2 * gamma * bm + 2 * beta * gamma * ab;
  return { residual: Math.sqrt(Math.max(0, err) / dd), beta, gamma, ...means };
}

export interface DetectShotsOptions extends ShotDetectorOptions {
  /** Analysis width (height keeps the aspect ratio); default 96. */
  width?: number;
  signal?: AbortSignal;
  decode?: Pick<DecodeOptions, 'info' | 'start' | 'end' | 'threads'>;
}

/** Decode a video at analysis size and detect its shot boundaries. */
export async function detectShots(
  path: string,
  options: DetectShotsOptions = {},
): Promise<DetectedBoundary[]> {
  const detector = new ShotDetector(options);
  for await (const frame of decodeFrames(path, {
    width: options.width ?? 96,
    pixelFormat: 'rgb24',
    ...(options.signal ? { signal: options.signal } : {}),
    ...options.decode,
  })) {
    detector.push(frame);
  }
  return detector.finish();
}
