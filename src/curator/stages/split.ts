import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toOrbisError, writeFileAtomic } from '../../core/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { probe } from '../../video/index.js';
import type { CuratorConfig } from '../config.js';
import { type ClipRecord, type CuratorItem, clipId, videoId } from '../records.js';
import { type DetectedBoundary, detectShots } from '../shots.js';

export interface VideoTask {
  path: string;
}

export interface SplitOptions {
  config: CuratorConfig;
  /** Where per-video results are kept, so a rerun skips finished work. */
  workDir: string;
}

interface SplitResult {
  width: number;
  height: number;
  fps: number;
  frames: number;
  boundaries: DetectedBoundary[];
}

/**
 * Probe a video and cut it into shots: boundaries from the shot detector, then clips under the minimum
 * length dropped (recorded) and clips over the maximum split evenly. A video that cannot be read becomes a
 * recorded failure, and the batch goes on.
 */
export function splitStage(options: SplitOptions): StageImpl<VideoTask, CuratorItem> {
  const { split } = options.config;
  return {
    async process(batch) {
      const out: CuratorItem[] = [];
      for (const task of batch) {
        try {
          const id = await videoId(task.path);
          const result = await cachedSplit(task.path, id, options);
          out.push(...clipsOf(task.path, id, result, split));
        } catch (error) {
          const e = toOrbisError(error);
          out.push({
            kind: 'video-failure',
            path: task.path,
            stage: 'split',
            code: e.code,
            message: e.oneLine(),
          });
        }
      }
      return out;
    },
  };
}

async function cachedSplit(path: string, id: string, options: SplitOptions): Promise<SplitResult> {
  const file = join(options.workDir, 'videos', `${id}.json`);
  const cached = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as SplitResult,
    () => undefined,
  );
  if (cached) return cached;
  const info = await probe(path);
  const boundaries = await detectShots(path, { width: options.config.split.analysisWidth, decode: { info } });
  const result = {
    width: info.video.width,
    height: info.video.height,
    fps: info.video.fps,
    frames: info.video.frameCount,
    boundaries,
  };
  await mkdir(join(options.workDir, 'videos'), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(result));
  return result;
}

function clipsOf(path: string, id: string, r: SplitResult, split: CuratorConfig['split']): ClipRecord[] {
  // Shots between boundaries; a gradual transition belongs to neither neighbour.
  const shots: [number, number][] = [];
  let start = 0;
  for (const b of r.boundaries) {
    const end = b.kind === 'cut' ? b.frame : Math.max(start, b.startFrame);
    if (end > start) shots.push([start, end]);
    start = b.kind === 'cut' ? b.frame : b.endFrame;
  }
  if (r.frames > start) shots.push([start, r.frames]);
  const maxFrames = Math.max(1, Math.floor(split.maxClipSeconds * r.fps));
  const clips: ClipRecord[] = [];
  for (const [s, e] of shots) {
    const pieces = Math.max(1, Math.ceil((e - s) / maxFrames));
    for (let p = 0; p < pieces; p++) {
      const a = s + Math.round(((e - s) * p) / pieces);
      const b = s + Math.round(((e - s) * (p + 1)) / pieces);
      const record: ClipRecord = {
        kind: 'clip',
        id: clipId(id, a, b),
        videoId: id,
        source: path,
        span: { start: a / r.fps, end: b / r.fps, startFrame: a, endFrame: b },
        width: r.width,
        height: r.height,
        fps: r.fps,
        scores: {},
        errors: {},
        files: {},
      };
      if ((b - a) / r.fps < split.minClipSeconds) {
        record.dropped = { stage: 'split', reason: `shorter than ${split.minClipSeconds} s` };
      }
      clips.push(record);
    }
  }
  return clips;
}
