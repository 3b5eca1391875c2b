import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OrbisError, writeFileAtomic } from '../../core/index.js';
import { decodeFrames, encodePng, probe } from '../../video/index.js';
import { parseNumber, parseSize, parseTime } from '../args.js';
import type { CliContext } from '../context.js';

interface FramesOptions {
  out: string;
  fps?: string;
  size?: string;
  start?: string;
  end?: string;
  gray?: boolean;
  limit?: string;
}

export async function framesCommand(ctx: CliContext, video: string, options: FramesOptions): Promise<number> {
  const fps =
    options.fps === undefined ? undefined : parseNumber('--fps', options.fps, { min: 0.001, max: 1000 });
  const size = options.size === undefined ? {} : parseSize('--size', options.size);
  const limit =
    options.limit === undefined ? Infinity : parseNumber('--limit', options.limit, { min: 1, integer: true });
  const info = await probe(video, { countFrames: 'never', signal: ctx.signal });
  // Times are read once the frame rate is known, so "150f" works.
  const start = options.start === undefined ? undefined : parseTime('--start', options.start, info.video.fps);
  const end = options.end === undefined ? undefined : parseTime('--end', options.end, info.video.fps);
  const outDir = resolve(ctx.io.cwd, options.out);
  await makeOutputDir(outDir);

  const span = Math.max(0, Math.min(end ?? info.duration, info.duration) - (start ?? 0));
  const expected = Math.ceil(span * (fps ?? info.video.fps)) || undefined;
  const task = ctx.progress.task('frames', expected);
  const index: { file: string; index: number; timestamp: number; pts: number }[] = [];
  let geometry = '';
  for await (const frame of decodeFrames(video, {
    info,
    signal: ctx.signal,
    pixelFormat: options.gray ? 'gray' : 'rgb24',
    threads: ctx.config.threads,
    ...size,
    ...(fps !== undefined ? { fps } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
  })) {
    const file = `frame-${String(frame.index).padStart(6, '0')}.png`;
    await writeFile(join(outDir, file), encodePng(frame, 3));
    index.push({ file, index: frame.index, timestamp: frame.timestamp, pts: frame.pts });
    geometry = `${frame.width}x${frame.height} ${frame.pixelFormat}`;
    task.tick();
    if (index.length >= limit) break;
  }
  task.done();
  const manifest = { video: resolve(ctx.io.cwd, video), count: index.length, frames: index };
  await writeFileAtomic(join(outDir, 'frames.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.result(`wrote ${index.length} frames (${geometry || 'none'}) to ${outDir}, timestamps in frames.json`, {
    out: outDir,
    ...manifest,
  });
  return 0;
}

/** Creates `dir` (and its parents), or a one-line error naming the option that gave it. */
export async function makeOutputDir(dir: string, option = '--out'): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new OrbisError('OUTPUT_UNWRITABLE', `cannot create the output directory ${dir}`, {
      cause: error,
      hint: `${(error as NodeJS.ErrnoException).code ?? 'error'}; choose another ${option}`,
    });
  }
}
