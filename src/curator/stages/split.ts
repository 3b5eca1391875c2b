import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrbisError, toOrbisError, VideoError, writeFileAtomic } from '../../core/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { probe } from '../../video/index.js';
import { analyzeVideo, type SpanSummary } from '../analysis.js';
import type { CuratorConfig } from '../config.js';
import { TransNetModel } from '../learned-shots.js';
import { type ClipRecord, type CuratorItem, clipId, videoId } from '../records.js';
import type { DetectedBoundary } from '../shots.js';

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
  boundaries: DetectedBoundary[];
  spans: SpanSummary[];
}

/**
 * Probe a video, then one decoding pass at analysis size: shot boundaries, and for every clip its scores,
 * embedding and content hash. Shots are cut into clips (over the maximum length split evenly; under the
 * minimum, dropped with the reason). A video that cannot be read becomes a recorded failure, and the batch
 * goes on.
 */
export function splitStage(options: SplitOptions): StageImpl<VideoTask, CuratorItem> {
  const learned = options.config.split.model;
  let model: TransNetModel | undefined;
  return {
    async setup() {
      if (!learned) return;
      try {
        model = await TransNetModel.load(learned.path, { threshold: learned.threshold });
      } catch (error) {
        const e = toOrbisError(error);
        throw new OrbisError(e.code, e.message, {
          cause: e,
          hint: `${e.hint ? `${e.hint}; ` : ''}the model is curator setting "split.model.path"`,
        });
      }
    },
    async teardown() {
      await model?.close();
    },
    async process(batch) {
      const out: CuratorItem[] = [];
      for (const task of batch) {
        try {
          const id = await videoId(task.path);
          const result = await cachedSplit(task.path, id, options, model);
          out.push(...clipsOf(task.path, id, result, options.config.split));
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

async function cachedSplit(
  path: string,
  id: string,
  options: SplitOptions,
  model: TransNetModel | undefined,
): Promise<SplitResult> {
  // Results of a learned detector are kept apart from ours: switching detectors redoes the split.
  const file = join(options.workDir, 'videos', `${id}${model ? `-${model.tag}` : ''}.json`);
  const cached = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as SplitResult,
    () => undefined,
  );
  if (cached) return cached;
  const info = await probe(path);
  const { width, height } = info.video;
  if (width * height > options.config.split.maxPixels)
    throw new VideoError(
      'VIDEO_TOO_LARGE',
      path,
      `${width}x${height} frames are over the curator's limit of ${(options.config.split.maxPixels / 1e6).toFixed(1)} megapixels`,
      { hint: 'downscale the video first, or raise curator setting "split.maxPixels"' },
    );
  const fps = info.video.fps;
  const analysis = await analyzeVideo(path, info, {
    width: options.config.split.analysisWidth,
    maxClipFrames: Math.max(1, Math.floor(options.config.split.maxClipSeconds * fps)),
    ...(model ? { detector: model.detector() } : {}),
  });
  const result: SplitResult = {
    width: info.video.width,
    height: info.video.height,
    fps,
    boundaries: analysis.boundaries,
    spans: analysis.spans,
  };
  await mkdir(join(options.workDir, 'videos'), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(result));
  return result;
}

function clipsOf(path: string, id: string, r: SplitResult, split: CuratorConfig['split']): ClipRecord[] {
  return r.spans.map(({ a, b, scores, embedding, contentHash }) => {
    const record: ClipRecord = {
      kind: 'clip',
      id: clipId(id, a, b),
      videoId: id,
      source: path,
      span: { start: a / r.fps, end: b / r.fps, startFrame: a, endFrame: b },
      width: r.width,
      height: r.height,
      fps: r.fps,
      scores: { ...scores },
      errors: {},
      files: {},
      embedding,
      contentHash,
    };
    if ((b - a) / r.fps < split.minClipSeconds)
      record.dropped = { stage: 'split', reason: `shorter than ${split.minClipSeconds} s` };
    return record;
  });
}
