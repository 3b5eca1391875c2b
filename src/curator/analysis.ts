import { createHash } from 'node:crypto';
import type { VideoInfo } from '../core/index.js';
import {
  spreadPicks,
  ThumbprintEmbedder,
  type ThumbprintFeatures,
  thumbprintFeatures,
} from '../embed/index.js';
import { decodeFrames } from '../video/index.js';
import { type ClipScores, laplacianVariance } from './quality.js';
import { type BoundaryDetector, type DetectedBoundary, ShotDetector } from './shots.js';

/**
 * One decoding pass over a video at analysis size gives everything curation decides on: shot boundaries,
 * and for every clip its scores, embedding and content hash, made from per-frame numbers (brightness,
 * sharpness, change from the previous frame, thumbprint features). Clips are summarized as soon as the
 * detector has settled the boundary that ends them, and their frames' records are let go, so memory is
 * bounded by the longest open shot (at most two clip lengths), not by the video's length.
 */
export interface FrameRecord {
  time: number;
  luma: number;
  sharpness: number;
  /** Mean absolute difference from the previous frame, 0-255. */
  change: number;
  features: ThumbprintFeatures;
}

export interface SpanSummary {
  /** Frames [a, b) of the video. */
  a: number;
  b: number;
  scores: ClipScores;
  embedding: number[];
  contentHash: string;
}

export interface VideoAnalysis {
  boundaries: DetectedBoundary[];
  frameCount: number;
  /** Shots between boundaries (a gradual transition belongs to neither neighbour), long ones split. */
  spans: SpanSummary[];
}

export interface AnalyzeOptions {
  width: number;
  /** Longer shots are split: evenly when they end within two lengths, else a piece of this length first. */
  maxClipFrames: number;
  /** The boundary detector for this video (default: a ShotDetector with default settings). */
  detector?: BoundaryDetector;
  signal?: AbortSignal;
}

export async function analyzeVideo(
  path: string,
  info: VideoInfo,
  options: AnalyzeOptions,
): Promise<VideoAnalysis> {
  const detector = options.detector ?? new ShotDetector();
  const shots = new ShotCloser(options.maxClipFrames);
  let count = 0;
  for await (const frame of decodeFrames(path, {
    info,
    width: options.width,
    pixelFormat: 'rgb24',
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    await detector.push(frame);
    const gray = toGray(frame.data);
    shots.add({
      time: frame.timestamp,
      luma: mean(gray),
      sharpness: laplacianVariance({ width: frame.width, height: frame.height, data: gray }),
      change: detector.lastDifference(), // computed once, by the detector
      features: thumbprintFeatures(frame),
    });
    if (++count % 32 === 0) {
      const settled = detector.settled();
      shots.close(settled.boundaries, settled.before);
    }
  }
  const boundaries = await detector.finish();
  shots.close(boundaries, count);
  shots.end(count);
  return { boundaries, frameCount: count, spans: shots.spans };
}

/** Turns settled boundaries into summarized spans, keeping only the open shot's frame records. */
class ShotCloser {
  readonly spans: SpanSummary[] = [];
  private records: FrameRecord[] = [];
  /** Frame index of records[0]. */
  private base = 0;
  /** First frame of the open shot. */
  private start = 0;
  private consumed = 0;

  constructor(private readonly maxFrames: number) {}

  add(record: FrameRecord): void {
    this.records.push(record);
  }

  /** Close the shots ended by boundaries not seen before; frames before `frontier` can start no new shot. */
  close(settled: readonly DetectedBoundary[], frontier: number): void {
    for (; this.consumed < settled.length; this.consumed++) {
      const b = settled[this.consumed]!;
      this.emit(b.kind === 'cut' ? b.frame : Math.max(this.start, b.startFrame));
      this.start = Math.max(this.start, b.kind === 'cut' ? b.frame : b.endFrame);
    }
    // A long shot still open: its first piece is certain once two pieces' worth of it are settled.
    while (frontier - this.start > 2 * this.maxFrames) {
      this.piece(this.start, this.start + this.maxFrames);
      this.start += this.maxFrames;
    }
    this.forget();
  }

  end(frames: number): void {
    this.emit(frames);
  }

  /** Spans for the open shot up to `end`, split evenly when longer than the maximum. */
  private emit(end: number): void {
    const s = this.start;
    if (end <= s) return;
    const pieces = Math.max(1, Math.ceil((end - s) / this.maxFrames));
    for (let p = 0; p < pieces; p++)
      this.piece(s + Math.round(((end - s) * p) / pieces), s + Math.round(((end - s) * (p + 1)) / pieces));
  }

  private piece(a: number, b: number): void {
    this.spans.push({ a, b, ...summarizeSpan(this.records, a - this.base, b - this.base) });
  }

  private forget(): void {
    const drop = this.start - this.base;
    if (drop < 256) return;
    this.records = this.records.slice(drop);
    this.base = this.start;
  }
}

const embedder = new ThumbprintEmbedder();

/** Scores, embedding and content hash of the frames [start, end) of an analysis. */
export function summarizeSpan(
  frames: readonly FrameRecord[],
  start: number,
  end: number,
): { scores: ClipScores; embedding: number[]; contentHash: string } {
  const span = frames.slice(start, end);
  const n = Math.max(1, span.length);
  const changes = span.slice(1).map((f) => f.change);
  const scores: ClipScores = {
    motion: changes.length ? changes.reduce((a, b) => a + b, 0) / changes.length : 0,
    sharpness: span.reduce((a, f) => a + f.sharpness, 0) / n,
    brightness: span.reduce((a, f) => a + f.luma, 0) / n,
    darkFraction: span.filter((f) => f.luma < 16).length / n,
    frozenFraction: changes.length ? changes.filter((c) => c < 0.3).length / changes.length : 1,
  };
  // The embedder's frames, spread evenly over the clip.
  const picks = spreadPicks(span, embedder.framesPerClip);
  const hash = createHash('sha256');
  for (const f of picks) {
    hash.update(new Uint8Array(f.features.cells.buffer));
    hash.update(new Uint8Array(f.features.histogram.buffer));
  }
  return {
    scores,
    embedding: Array.from(embedder.combine(picks.map((f) => f.features))),
    contentHash: hash.digest('hex').slice(0, 32),
  };
}

function toGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3)
    out[i] = (77 * rgb[j]! + 150 * rgb[j + 1]! + 29 * rgb[j + 2]!) >> 8;
  return out;
}

function mean(data: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]!;
  return s / data.length;
}
