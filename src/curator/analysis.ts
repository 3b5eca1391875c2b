import { createHash } from 'node:crypto';
import type { VideoInfo } from '../core/index.js';
import { ThumbprintEmbedder, type ThumbprintFeatures, thumbprintFeatures } from '../embed/index.js';
import { decodeFrames } from '../video/index.js';
import { type ClipScores, laplacianVariance } from './quality.js';
import { type DetectedBoundary, ShotDetector, type ShotDetectorOptions } from './shots.js';

/**
 * One decoding pass over a video at analysis size gives everything curation decides on: shot boundaries,
 * and per frame the numbers clip scores are made of (brightness, sharpness, change from the previous frame)
 * and the thumbprint features embeddings are made of. Per-frame records are small (about 300 bytes), so
 * an hour of 30 fps video keeps about 30 MB, and no clip is decoded a second time before it is transcoded.
 */
export interface FrameRecord {
  time: number;
  luma: number;
  sharpness: number;
  /** Mean absolute difference from the previous frame, 0-255. */
  change: number;
  features: ThumbprintFeatures;
}

export interface VideoAnalysis {
  boundaries: DetectedBoundary[];
  frames: FrameRecord[];
}

export async function analyzeVideo(
  path: string,
  info: VideoInfo,
  options: { width: number; detector?: ShotDetectorOptions; signal?: AbortSignal },
): Promise<VideoAnalysis> {
  const detector = new ShotDetector(options.detector);
  const frames: FrameRecord[] = [];
  for await (const frame of decodeFrames(path, {
    info,
    width: options.width,
    pixelFormat: 'rgb24',
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    detector.push(frame);
    const gray = toGray(frame.data);
    frames.push({
      time: frame.timestamp,
      luma: mean(gray),
      sharpness: laplacianVariance({ width: frame.width, height: frame.height, data: gray }),
      change: detector.lastDifference(), // computed once, by the detector
      features: thumbprintFeatures(frame),
    });
  }
  return { boundaries: detector.finish(), frames };
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
  const picks = Array.from(
    { length: embedder.framesPerClip },
    (_, k) => span[Math.min(span.length - 1, Math.floor(((k + 0.5) * span.length) / embedder.framesPerClip))],
  ).filter((f): f is FrameRecord => f !== undefined);
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
  for (const v of data) s += v;
  return s / data.length;
}
