import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ClipSpan } from '../core/index.js';

/** What flows between curator stages: a clip, or a video that could not be used (recorded, not thrown). */
export type CuratorItem = ClipRecord | VideoFailure;

export interface ClipRecord {
  kind: 'clip';
  /** Content-derived: the same video and span give the same id on any run or machine. */
  id: string;
  videoId: string;
  source: string;
  span: ClipSpan;
  width: number;
  height: number;
  fps: number;
  scores: Record<string, number>;
  /** Which stage dropped the clip and why; absent while kept. */
  dropped?: { stage: string; reason: string };
  errors: Record<string, string>;
  files: { mp4?: string; thumb?: string };
  /** Unit vector from the embedder (near-duplicate search, and search indexes). */
  embedding?: number[];
  /** The embedder that made it, when not the built-in one. */
  embeddingModel?: string;
  /** Hash of the sampled decoded frames (exact duplicates). */
  contentHash?: string;
  /** From the captioner, when one is configured. */
  caption?: string;
  /** The clip this one duplicates, when dropped by dedup. */
  duplicateOf?: string;
}

export interface VideoFailure {
  kind: 'video-failure';
  path: string;
  stage: string;
  code: string;
  message: string;
}

/**
 * A video's id: a hash of its size and its first and last megabyte. Reading 2 MB identifies a file well
 * enough to resume work, at a fraction of hashing whole hours of video.
 */
export async function videoId(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const hash = createHash('sha256').update(String(size));
    const chunk = Buffer.alloc(Math.min(size, 2 ** 20));
    await handle.read(chunk, 0, chunk.length, 0);
    hash.update(chunk);
    if (size > chunk.length) {
      await handle.read(chunk, 0, chunk.length, size - chunk.length);
      hash.update(chunk);
    }
    return hash.digest('hex').slice(0, 16);
  } finally {
    await handle.close();
  }
}

export function clipId(video: string, startFrame: number, endFrame: number): string {
  return createHash('sha256').update(`${video}:${startFrame}:${endFrame}`).digest('hex').slice(0, 16);
}
