import { toOrbisError } from '../../core/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { decodeFrames } from '../../video/index.js';
import type { CuratorConfig } from '../config.js';
import { scoreFrames } from '../quality.js';
import type { CuratorItem } from '../records.js';

/**
 * Motion and quality filters: samples each kept clip at a few frames per second, scores it (motion,
 * sharpness, brightness, dark and frozen shares), stores every score on the clip, and drops it with the
 * reason when a score is out of bounds.
 */
export function filterStage(options: { config: CuratorConfig }): StageImpl<CuratorItem, CuratorItem> {
  const f = options.config.filter;
  return {
    async process(batch) {
      for (const item of batch) {
        if (item.kind !== 'clip' || item.dropped) continue;
        try {
          const frames = [];
          for await (const frame of decodeFrames(item.source, {
            start: item.span.start,
            end: item.span.end,
            fps: f.sampleFps,
            width: 160,
            pixelFormat: 'gray',
          })) {
            frames.push(frame);
          }
          const scores = scoreFrames(frames);
          Object.assign(item.scores, scores);
          const reason =
            scores.darkFraction > f.maxDarkFraction
              ? `dark: ${(100 * scores.darkFraction).toFixed(0)}% of frames near black`
              : scores.frozenFraction > f.maxFrozenFraction
                ? `frozen: ${(100 * scores.frozenFraction).toFixed(0)}% of frames repeat`
                : scores.motion < f.minMotion
                  ? `static: motion ${scores.motion.toFixed(2)} < ${f.minMotion}`
                  : scores.sharpness < f.minSharpness
                    ? `blurry: sharpness ${scores.sharpness.toFixed(1)} < ${f.minSharpness}`
                    : undefined;
          if (reason) item.dropped = { stage: 'filter', reason };
        } catch (error) {
          const e = toOrbisError(error);
          item.errors.filter = e.code;
          item.dropped = { stage: 'filter', reason: e.oneLine() };
        }
      }
      return batch;
    },
  };
}
