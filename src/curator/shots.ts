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
  /** What the detector saw: a cut, a fade through black, or a dissolve (a mix of two shots). */
  transition: 'cut' | 'fade' | 'dissolve';
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
  /** Mean brightness (0-255) at or below which a dip counts as a fade through black (default 24). */
  darkLuma?: number;
}

interface Stored {
  data: Uint8Array;
  time: number;
  blocks?: Float64Array;
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
  private width = 0;
  private readonly luma: number[] = [];
  private readonly flashes = new Set<number>();

  constructor(options: ShotDetectorOptions = {}) {
    this.o = {
      cutRatio: options.cutRatio ?? 3,
      minCutDifference: options.minCutDifference ?? 10,
      window: options.window ?? 8,
      span: options.span ?? 8,
      minGradualDifference: options.minGradualDifference ?? 18,
      maxBlendResidual: options.maxBlendResidual ?? 0.3,
      minShotFrames: options.minShotFrames ?? 8,
      darkLuma: options.darkLuma ?? 24,
    };
  }

  private get delay(): number {
    return Math.max(this.o.window, 3 * this.o.span) + 4;
  }

  private frame(i: number): Stored | undefined {
    return this.ring[i - this.first];
  }

  /** Feed the next frame (all frames of one size, in order). */
  push(frame: Pick<Frame, 'data' | 'timestamp' | 'width'>): void {
    this.width = frame.width;
    const stored: Stored = { data: frame.data, time: frame.timestamp };
    this.luma.push(meanOf(frame.data));
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

  /** Mean absolute difference (0-255) between the last frame pushed and the one before it. */
  lastDifference(): number {
    return this.diffs[this.count - 1] ?? 0;
  }

  /** Judge the frames still pending and return every boundary found, in order. */
  finish(): DetectedBoundary[] {
    while (this.decided < this.count) this.judge(this.decided++);
    for (let t = Math.max(0, this.count - this.o.span); t < this.count; t++) this.judgeGradual(t);
    // Boundaries that overlap (a gradual transition's extent, or closer than a shot) are one transition:
    // keep the strongest, a cut before a gradual guess.
    // A fade through black explains the jumps inside it (its first dark frames can look like a cut).
    const fades = this.found.filter((b) => b.transition === 'fade');
    const explained = (b: DetectedBoundary): boolean =>
      b.transition !== 'fade' && fades.some((f) => b.frame >= f.startFrame && b.frame < f.endFrame);
    const sorted = this.found.filter((b) => !explained(b)).sort((a, b) => a.frame - b.frame);
    const kept: DetectedBoundary[] = [];
    for (const b of sorted) {
      const last = kept.at(-1);
      const overlaps = last && (b.frame - last.frame < this.o.minShotFrames || b.startFrame < last.endFrame);
      if (!last || !overlaps) kept.push(b);
      else if (
        (b.kind === 'cut' && last.kind === 'gradual') ||
        (b.kind === last.kind && b.score > last.score)
      )
        kept[kept.length - 1] = b;
    }
    return kept;
  }

  private judge(t: number): void {
    this.judgeFade(t);
    this.judgeCut(t);
    // Gradual transitions are judged `span` frames later, once every cut near them is known.
    if (t >= this.o.span) this.judgeGradual(t - this.o.span);
  }

  private judgeCut(t: number): void {
    const d = this.diffs[t] ?? 0;
    if (t === 0 || d < this.o.minCutDifference) return;
    // Averages on each side; the calmer side sets the bar, so a cut into or out of a fast pan still
    // stands out against the shot that is not moving.
    const side = (from: number, to: number): number => {
      let sum = 0;
      let n = 0;
      for (let k = Math.max(1, from); k <= Math.min(this.count - 1, to); k++) {
        sum += this.diffs[k]!;
        n++;
      }
      return n ? sum / n : Number.POSITIVE_INFINITY;
    };
    const average = Math.min(side(t - this.o.window, t - 1), side(t + 1, t + this.o.window));
    if (d < this.o.cutRatio * (average + 1)) return;
    // A change of overall brightness alone (a flash, a light switched on) is no cut: the difference must
    // hold once each frame's mean colour is taken out.
    const structural = meanRemovedDiff(this.frame(t - 1)!.data, this.frame(t)!.data);
    if (structural < this.o.minCutDifference || structural < this.o.cutRatio * (average + 1)) {
      this.markFlash(t);
      return;
    }
    // A flash: the picture before the spike comes back after it, or the one after was there before.
    const before = this.frame(t - 1);
    const at = this.frame(t);
    if (!before || !at) return;
    for (let j = 1; j <= 3; j++) {
      const later = this.frame(t + j);
      const earlier = this.frame(t - 1 - j);
      if (
        (later && meanAbsDiff(before.data, later.data) < 0.5 * d) ||
        (earlier && meanAbsDiff(at.data, earlier.data) < 0.5 * d)
      ) {
        this.markFlash(t);
        return;
      }
    }
    this.add({
      kind: 'cut',
      transition: 'cut',
      frame: t,
      time: at.time,
      startFrame: t,
      endFrame: t + 1,
      score: d / (average + 1),
    });
  }

  /** Frames around a rejected spike: not to be used as the ends of a gradual-transition comparison. */
  private markFlash(t: number): void {
    for (let k = t - 1; k <= t + 2; k++) this.flashes.add(k);
  }

  /** A fade through black: the picture's brightness dips to near black and comes back within `span`. */
  private judgeFade(t: number): void {
    const s = this.o.span;
    const l = this.luma[t];
    if (l === undefined || l > this.o.darkLuma) return;
    // The darkest frame of the dip (first of equals).
    for (let k = t - s; k <= t + s; k++) {
      const other = this.luma[k];
      if (k !== t && other !== undefined && (other < l || (other === l && k < t))) return;
    }
    const around = (from: number, to: number): number => {
      let best = 0;
      for (let k = from; k <= to; k++) best = Math.max(best, this.luma[k] ?? 0);
      return best;
    };
    const before = around(t - 2 * s, t - 1);
    const after = around(t + 1, t + 2 * s);
    if (Math.min(before, after) < Math.max(3 * l, l + 30)) return;
    const m = this.frame(t);
    if (!m) return;
    // A fade's extent reaches as far as the brightness search did.
    this.add({
      kind: 'gradual',
      transition: 'fade',
      frame: t,
      time: m.time,
      startFrame: t - 2 * s,
      endFrame: t + 2 * s + 1,
      score: Math.min(before, after) - l,
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
    if (this.flashes.has(t - s) || this.flashes.has(t) || this.flashes.has(t + s)) return;
    const fit = blendFit(this.blocks(a), this.blocks(b), this.blocks(m));
    if (fit.residual > this.o.maxBlendResidual) return;
    // The middle must need both ends: a dissolve mixes them, a fade passes through dark. A frame explained
    // by one end alone is a shot with a disturbance at the other end (a flash, a brief occlusion).
    const dark = fit.meanM < 0.4 * Math.min(fit.meanA, fit.meanB);
    if (!dark && (fit.beta < 0.15 || fit.gamma < 0.15)) return;
    const residual = fit.residual;
    this.add({
      kind: 'gradual',
      transition: 'dissolve',
      frame: t,
      time: m.time,
      startFrame: t - s,
      endFrame: t + s + 1,
      score: g * (1 - residual),
    });
  }

  /** 4x4 block means of a frame (cached): a blend survives averaging, most in-shot motion does not. */
  private blocks(stored: Stored): Float64Array {
    if (stored.blocks) return stored.blocks;
    const w = this.width;
    const h = stored.data.length / 3 / w;
    const bw = Math.floor(w / 4);
    const bh = Math.floor(h / 4);
    const out = new Float64Array(bw * bh * 3);
    for (let y = 0; y < bh * 4; y++) {
      for (let x = 0; x < bw * 4; x++) {
        const o = ((y >> 2) * bw + (x >> 2)) * 3;
        const i = (y * w + x) * 3;
        out[o]! += stored.data[i]! / 16;
        out[o + 1]! += stored.data[i + 1]! / 16;
        out[o + 2]! += stored.data[i + 2]! / 16;
      }
    }
    stored.blocks = out;
    return out;
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

function meanOf(a: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
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

function blendFit(a: ArrayLike<number>, b: ArrayLike<number>, m: ArrayLike<number>): BlendFit {
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
