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

/** What a shot-boundary detector is fed: analysis-size RGB frames, in order. */
export type DetectorFrame = Pick<Frame, 'data' | 'timestamp' | 'width'>;

/** A streaming shot-boundary detector: ours (ShotDetector) or a learned one (learned-shots.ts). */
export interface BoundaryDetector {
  push(frame: DetectorFrame): void | Promise<void>;
  /** Mean absolute difference (0-255) between the last frame pushed and the one before it. */
  lastDifference(): number;
  /** Boundaries final already, and the frame before which no later boundary can start. */
  settled(): { boundaries: DetectedBoundary[]; before: number };
  finish(): DetectedBoundary[] | Promise<DetectedBoundary[]>;
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
  /** Smallest mean difference between frames `2 span` apart for a gradual candidate, 0-255 (default 30). */
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

export class ShotDetector implements BoundaryDetector {
  private readonly o: Required<ShotDetectorOptions>;
  private readonly ring: Stored[] = [];
  // Per-frame series, kept only as far back as judging needs: memory does not grow with the video.
  private readonly diffs = new FrameSeries();
  private readonly longDiffs = new FrameSeries();
  private first = 0; // frame index of ring[0]
  private count = 0;
  private decided = 0; // frames before this index have been judged
  private readonly found: DetectedBoundary[] = [];
  private width = 0;
  private readonly luma = new FrameSeries();
  private readonly flashes = new Set<number>();

  constructor(options: ShotDetectorOptions = {}) {
    this.o = {
      cutRatio: options.cutRatio ?? 3,
      minCutDifference: options.minCutDifference ?? 10,
      window: options.window ?? 8,
      span: options.span ?? 8,
      minGradualDifference: options.minGradualDifference ?? 30,
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
  push(frame: DetectorFrame): void {
    this.width = frame.width;
    const stored: Stored = { data: frame.data, time: frame.timestamp };
    this.luma.set(this.count, meanOf(frame.data));
    const previous = this.frame(this.count - 1);
    this.diffs.set(this.count, previous ? meanAbsDiff(previous.data, stored.data) : 0);
    this.ring.push(stored);
    this.count++;
    const back = this.frame(this.count - 1 - 2 * this.o.span);
    // longDiffs[t] compares t - span with t + span; it becomes known when frame t + span arrives.
    if (back) this.longDiffs.set(this.count - 1 - this.o.span, meanAbsDiff(back.data, stored.data));
    while (this.decided < this.count - this.delay) this.judge(this.decided++);
    const keep = 2 * this.delay + 2;
    while (this.ring.length > keep) {
      this.ring.shift();
      this.first++;
    }
    const horizon = this.count - 3 * this.delay;
    this.diffs.forgetBefore(horizon);
    this.longDiffs.forgetBefore(horizon);
    this.luma.forgetBefore(horizon);
    if (this.count % 1024 === 0) for (const f of this.flashes) if (f < horizon) this.flashes.delete(f);
  }

  /**
   * The boundaries that frames still to come can no longer change, in order, and the frame before which
   * no other boundary can start: a caller can close the shots before it while decoding goes on.
   */
  settled(): { boundaries: DetectedBoundary[]; before: number } {
    // Candidates judged later lie at least this far on (fades reach back 3 spans, dissolves 2.5).
    const horizon = Math.max(0, this.decided - 4 * this.o.span - this.o.minShotFrames - 2);
    const merged = this.merged();
    const boundaries = merged.filter((b) => b.frame < horizon && b.endFrame <= horizon);
    const open = merged[boundaries.length];
    return { boundaries, before: open ? Math.min(horizon, open.startFrame) : horizon };
  }

  /** Mean absolute difference (0-255) between the last frame pushed and the one before it. */
  lastDifference(): number {
    return this.diffs.get(this.count - 1) ?? 0;
  }

  /** Judge the frames still pending and return every boundary found, in order. */
  finish(): DetectedBoundary[] {
    while (this.decided < this.count) this.judge(this.decided++);
    for (let t = Math.max(0, this.count - this.o.span); t < this.count; t++) this.judgeGradual(t);
    return this.merged();
  }

  /**
   * The boundaries found so far, reconciled: a fade through black explains the jumps inside it (its first
   * dark frames can look like a cut), and boundaries that overlap (a gradual transition's extent, or closer
   * than a shot) are one transition: the strongest is kept, a cut before a gradual guess.
   */
  private merged(): DetectedBoundary[] {
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
    const d = this.diffs.get(t) ?? 0;
    if (t === 0 || d < this.o.minCutDifference) return;
    // Averages on each side; the calmer side sets the bar, so a cut into or out of a fast pan still
    // stands out against the shot that is not moving.
    const side = (from: number, to: number): number => {
      let sum = 0;
      let n = 0;
      for (let k = Math.max(1, from); k <= Math.min(this.count - 1, to); k++) {
        sum += this.diffs.get(k) ?? 0;
        n++;
      }
      return n ? sum / n : Number.POSITIVE_INFINITY;
    };
    const average = Math.min(side(t - this.o.window, t - 1), side(t + 1, t + this.o.window));
    if (d < this.o.cutRatio * (average + 1)) return;
    // The end of a flash: one to three frames ago brightness jumped, and now it is back where it was.
    // (In a moving shot the picture itself does not come back, so the test further down would miss it.)
    for (let j = 1; j <= 3; j++) {
      const before = this.luma.get(t - j - 1);
      const flash = this.luma.get(t - j);
      const now = this.luma.get(t);
      if (before === undefined || flash === undefined || now === undefined) continue;
      const jump = Math.abs(flash - before);
      if (jump >= 20 && Math.abs(now - before) < 0.25 * jump) {
        this.markFlash(t);
        return;
      }
    }
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
    const l = this.luma.get(t);
    if (l === undefined || l > this.o.darkLuma) return;
    // The darkest frame of the dip (first of equals).
    for (let k = t - s; k <= t + s; k++) {
      const other = this.luma.get(k);
      if (k !== t && other !== undefined && (other < l || (other === l && k < t))) return;
    }
    // The brightest frame each side, up to 3 spans away: a slow fade (a second or more) takes that long.
    const brightest = (from: number, to: number): { at: number; luma: number } => {
      let best = { at: from, luma: 0 };
      for (let k = from; k <= to; k++) {
        const luma = this.luma.get(k) ?? 0;
        if (luma > best.luma) best = { at: k, luma };
      }
      return best;
    };
    const reach = 3 * s;
    const left = brightest(t - reach, t - 1);
    const right = brightest(t + 1, t + reach);
    const before = left.luma;
    const after = right.luma;
    if (Math.min(before, after) < Math.max(3 * l, l + 30)) return;
    const m = this.frame(t);
    if (!m) return;
    // A fade spans from the brightest frame before the dip to the brightest after it.
    this.add({
      kind: 'gradual',
      transition: 'fade',
      frame: t,
      time: m.time,
      startFrame: left.at,
      endFrame: right.at + 1,
      score: Math.min(before, after) - l,
    });
  }

  private judgeGradual(t: number): void {
    const s = this.o.span;
    const g = this.longDiffs.get(t);
    if (g === undefined || g < this.o.minGradualDifference) return;
    // A local maximum of the long-range difference within half a span (a dissolve next to a pan, whose
    // own long-range difference stays high, peaks no higher than the pan a span away).
    const r = Math.floor(s / 2);
    for (let k = t - r; k <= t + r; k++) {
      const other = this.longDiffs.get(k);
      if (k !== t && other !== undefined && (other > g || (other === g && k < t))) return;
    }
    // Not a cut seen through a wide window.
    if (this.found.some((b) => b.kind === 'cut' && Math.abs(b.frame - t) <= s)) return;
    // The peak of the long-range difference is broad for a dissolve next to motion (the moving shot keeps
    // it high): try the middles near the peak whose difference is nearly as high, and keep the best mix.
    let best: { k: number; fit: BlendFit } | undefined;
    const h = Math.floor(s / 4);
    for (let k = t - h; k <= t + h; k++) {
      if ((this.longDiffs.get(k) ?? 0) < 0.85 * g) continue;
      const fit = this.mixAround(k);
      if (fit && (!best || fit.residual < best.fit.residual)) best = { k, fit };
    }
    const m = best && this.frame(best.k);
    if (!best || !m) return;
    this.add({
      kind: 'gradual',
      transition: 'dissolve',
      frame: best.k,
      time: m.time,
      startFrame: best.k - s,
      endFrame: best.k + s + 1,
      score: g * (1 - best.fit.residual),
    });
  }

  /** The blend fit of frame k from frames k - span and k + span, when it looks like a dissolve's middle. */
  private mixAround(k: number): BlendFit | undefined {
    const s = this.o.span;
    const a = this.frame(k - s);
    const m = this.frame(k);
    const b = this.frame(k + s);
    if (!a || !m || !b) return undefined;
    if (this.flashes.has(k - s) || this.flashes.has(k) || this.flashes.has(k + s)) return undefined;
    let fit = blendFit(this.blocks(a), this.blocks(b), this.blocks(m));
    // A dissolve into or out of a moving shot (a pan) mixes the middle frame with a shifted end.
    if (fit.residual > this.o.maxBlendResidual) fit = this.shiftedBlendFit(a, b, m, fit);
    if (fit.residual > this.o.maxBlendResidual) return undefined;
    // The middle must need both ends: a dissolve mixes them, a fade passes through dark. A frame explained
    // by one end alone is a shot with a disturbance at the other end (a flash, a brief occlusion).
    const dark = fit.meanM < 0.4 * Math.min(fit.meanA, fit.meanB);
    if (!dark && (fit.beta < 0.15 || fit.gamma < 0.15)) return undefined;
    return fit;
  }

  /**
   * The best blend fit of M from A and B when one of the two ends is shifted as a whole (camera motion
   * between the end frame and the middle), in whole blocks, over the frames' overlap.
   */
  private shiftedBlendFit(a: Stored, b: Stored, m: Stored, unshifted: BlendFit): BlendFit {
    const bw = Math.floor(this.width / 4);
    const bh = this.blocks(m).length / 3 / bw;
    const maxX = Math.floor(bw / 2);
    const maxY = Math.floor(bh / 2);
    let best = unshifted;
    for (const moving of ['a', 'b'] as const) {
      const fit = (dx: number, dy: number): BlendFit =>
        shiftedFit(this.blocks(a), this.blocks(b), this.blocks(m), bw, bh, moving, dx, dy);
      // Every other shift, then the neighbours of the best: a quarter of the work of trying them all.
      let coarse = { dx: 0, dy: 0, fit: unshifted };
      for (let dy = -maxY; dy <= maxY; dy += 2) {
        for (let dx = -maxX; dx <= maxX; dx += 2) {
          if (dx === 0 && dy === 0) continue;
          const f = fit(dx, dy);
          if (f.residual < coarse.fit.residual) coarse = { dx, dy, fit: f };
        }
      }
      if (coarse.fit.residual < best.residual) best = coarse.fit;
      for (let dy = coarse.dy - 1; dy <= coarse.dy + 1; dy++) {
        for (let dx = coarse.dx - 1; dx <= coarse.dx + 1; dx++) {
          if ((dx === coarse.dx && dy === coarse.dy) || Math.abs(dx) > maxX || Math.abs(dy) > maxY) continue;
          const f = fit(dx, dy);
          if (f.residual < best.residual) best = f;
        }
      }
    }
    return best;
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

/** Numbers indexed by frame, of which only the recent ones are kept. */
export class FrameSeries {
  private values: number[] = [];
  private base = 0;

  get(frame: number): number | undefined {
    return frame >= this.base ? this.values[frame - this.base] : undefined;
  }

  set(frame: number, value: number): void {
    if (frame >= this.base) this.values[frame - this.base] = value;
  }

  /** Drop values before `frame` (in chunks, so it costs little per frame). */
  forgetBefore(frame: number): void {
    if (frame - this.base < 4096) return;
    this.values = this.values.slice(frame - this.base);
    this.base = frame;
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
  const sums = new Float64Array(7);
  for (let i = 0; i < m.length; i++) addSums(sums, a[i]!, b[i]!, m[i]!);
  return fitFromSums(sums, m.length);
}

/** Accumulate the products a least-squares blend fit needs: AA, BB, AB, AM, BM, MM, (A-B)^2. */
function addSums(sums: Float64Array, x: number, y: number, z: number): void {
  sums[0]! += x * x;
  sums[1]! += y * y;
  sums[2]! += x * y;
  sums[3]! += x * z;
  sums[4]! += y * z;
  sums[5]! += z * z;
  sums[6]! += (x - y) * (x - y);
}

function fitFromSums(sums: Float64Array, n: number): BlendFit {
  const [aa = 0, bb = 0, ab = 0, am = 0, bm = 0, mm = 0, dd = 0] = sums;
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

/**
 * blendFit over the overlap of M and one end shifted by (dx, dy) blocks: M[x, y] against A[x, y] and
 * B[x + dx, y + dy] (or A shifted and B not).
 */
function shiftedFit(
  a: Float64Array,
  b: Float64Array,
  m: Float64Array,
  bw: number,
  bh: number,
  moving: 'a' | 'b',
  dx: number,
  dy: number,
): BlendFit {
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(bw, bw - dx);
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(bh, bh - dy);
  const n = Math.max(0, x1 - x0) * Math.max(0, y1 - y0) * 3;
  // Too small an overlap explains anything.
  if (n < 0.4 * m.length) return { residual: Infinity, beta: 0, gamma: 0, meanA: 0, meanB: 0, meanM: 0 };
  const sums = new Float64Array(7);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const here = (y * bw + x) * 3;
      const there = ((y + dy) * bw + x + dx) * 3;
      const ia = moving === 'a' ? there : here;
      const ib = moving === 'b' ? there : here;
      for (let c = 0; c < 3; c++) addSums(sums, a[ia + c]!, b[ib + c]!, m[here + c]!);
    }
  }
  return fitFromSums(sums, n);
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
