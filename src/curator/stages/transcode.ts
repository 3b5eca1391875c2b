import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoInfo } from '../../core/index.js';
import { toOrbisError } from '../../core/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { cutClip, probe, thumbnail } from '../../video/index.js';
import type { CuratorConfig } from '../config.js';
import type { CuratorItem } from '../records.js';

/**
 * Each kept clip as an H.264 MP4 with a thumbnail, named by clip id in the work folder. A clip whose files
 * are already there (an earlier, interrupted run) is not encoded again.
 */
export function transcodeStage(options: {
  config: CuratorConfig;
  workDir: string;
}): StageImpl<CuratorItem, CuratorItem> {
  const t = options.config.transcode;
  const dir = join(options.workDir, 'clips');
  // One probe per source video, not one per clip (the last few sources are enough: clips come in order).
  const probes = new Map<string, Promise<VideoInfo>>();
  const probed = (path: string): Promise<VideoInfo> => {
    let info = probes.get(path);
    if (!info) {
      info = probe(path);
      probes.set(path, info);
      if (probes.size > 8) probes.delete(probes.keys().next().value!);
    }
    return info;
  };
  return {
    async setup() {
      await mkdir(dir, { recursive: true });
    },
    async process(batch) {
      for (const item of batch) {
        if (item.kind !== 'clip' || item.dropped) continue;
        const mp4 = join(dir, `${item.id}.mp4`);
        const thumb = join(dir, `${item.id}.jpg`);
        try {
          const done = await Promise.all([access(mp4), access(thumb)]).then(
            () => true,
            () => false,
          );
          if (!done) {
            await cutClip(item.source, item.span, mp4, {
              crf: t.crf,
              preset: t.preset,
              // One x264 thread per clip: with frame threads, x264's output varies under CPU contention
              // (seen here in 1 run of 10), and a resumed run must write the same bytes. Parallelism comes
              // from encoding several clips at once instead.
              threads: 1,
              info: await probed(item.source),
              ...(t.height ? { height: t.height } : {}),
              ...(t.fps ? { fps: t.fps } : {}),
            });
            await thumbnail(mp4, thumb, { width: 256 });
          }
          item.files = { mp4, thumb };
        } catch (error) {
          const e = toOrbisError(error);
          item.errors.transcode = e.code;
          item.dropped = { stage: 'transcode', reason: e.oneLine() };
        }
      }
      return batch;
    },
  };
}
