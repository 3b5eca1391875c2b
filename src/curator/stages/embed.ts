import { createHash } from 'node:crypto';
import { toOrbisError } from '../../core/index.js';
import { type Embedder, ThumbprintEmbedder } from '../../embed/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { decodeFrames } from '../../video/index.js';
import type { CuratorItem } from '../records.js';

/**
 * An embedding and a content hash for each kept clip, from a few frames spread over it: the hash finds
 * exact duplicates (the same decoded pictures), the embedding near duplicates.
 */
export function embedStage(): StageImpl<CuratorItem, CuratorItem> {
  const embedder: Embedder = new ThumbprintEmbedder();
  return {
    async process(batch) {
      for (const item of batch) {
        if (item.kind !== 'clip' || item.dropped) continue;
        try {
          const duration = item.span.end - item.span.start;
          const frames = [];
          const hash = createHash('sha256');
          for await (const frame of decodeFrames(item.source, {
            start: item.span.start,
            end: item.span.end,
            fps: embedder.framesPerClip / duration,
            width: embedder.frameWidth,
          })) {
            frames.push(frame);
            hash.update(frame.data);
            if (frames.length === embedder.framesPerClip) break;
          }
          item.embedding = Array.from(await embedder.embed(frames));
          item.contentHash = hash.digest('hex').slice(0, 32);
        } catch (error) {
          item.errors.embed = toOrbisError(error).code;
        }
      }
      return batch;
    },
  };
}
