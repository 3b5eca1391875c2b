import { resolve } from 'node:path';
import { formatTimecode } from '../../core/index.js';
import { type CutOptions, cutClip, probe, thumbnail } from '../../video/index.js';
import { parseNumber, parseSize, parseTime, usage } from '../args.js';
import type { CliContext } from '../context.js';

interface ClipOptions {
  start: string;
  end: string;
  out: string;
  crf: string;
  preset: string;
  fps?: string;
  size?: string;
  audio?: boolean;
  thumbnail?: string | boolean;
}

export async function clipCommand(ctx: CliContext, video: string, options: ClipOptions): Promise<number> {
  const info = await probe(video, { countFrames: 'never', signal: ctx.signal });
  const start = parseTime('--start', options.start, info.video.fps);
  const end = parseTime('--end', options.end, info.video.fps);
  if (!(end > start)) throw usage(`--end (${options.end}) must come after --start (${options.start})`);
  const out = resolve(ctx.io.cwd, options.out);
  if (!out.toLowerCase().endsWith('.mp4')) throw usage(`--out must name an .mp4 file, not "${options.out}"`);
  const cut: CutOptions = {
    crf: parseNumber('--crf', options.crf, { min: 0, max: 51, integer: true }),
    preset: options.preset as CutOptions['preset'],
    audio: options.audio ?? false,
    info,
    threads: ctx.config.threads,
    signal: ctx.signal,
    ...(options.fps !== undefined
      ? { fps: parseNumber('--fps', options.fps, { min: 0.001, max: 1000 }) }
      : {}),
    ...(options.size !== undefined ? parseSize('--size', options.size) : {}),
  };
  const task = ctx.progress.task('clip', 1);
  const result = await cutClip(video, { start, end }, out, cut);
  let thumb: string | undefined;
  if (options.thumbnail) {
    thumb =
      typeof options.thumbnail === 'string'
        ? resolve(ctx.io.cwd, options.thumbnail)
        : out.replace(/\.mp4$/i, '.jpg');
    await thumbnail(out, thumb, { signal: ctx.signal });
  }
  task.done();
  const span = `${formatTimecode(start)}-${formatTimecode(end)}`;
  ctx.result([`wrote ${out}: ${result.frames} frames (${span})`, ...(thumb ? [`thumbnail ${thumb}`] : [])], {
    out,
    frames: result.frames,
    start,
    end,
    thumbnail: thumb,
  });
  return 0;
}
