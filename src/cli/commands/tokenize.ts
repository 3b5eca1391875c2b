import { OrbisError } from '../../core/index.js';
import { psnr, ssim } from '../../eval/index.js';
import { type TokenizerFrame, VideoTokenizer } from '../../tokenizer/index.js';
import { decodeFrames, encodeClip, probe } from '../../video/index.js';
import { parseNumber, parseSize } from '../args.js';
import type { CliContext } from '../context.js';
import { storeOf } from './models.js';

interface RoundtripOptions {
  model: string;
  size?: string;
  frames?: string;
  chunk: string;
  out?: string;
}

/**
 * `orbis tokenize roundtrip`: a video through a tokenizer and back, with the PSNR and SSIM of the result and
 * the compression achieved. Frames are scaled to a size the model's patches tile (default: the video's size,
 * rounded down to a multiple of the spatial factor).
 */
export async function tokenizeRoundtripCommand(
  ctx: CliContext,
  video: string,
  options: RoundtripOptions,
): Promise<number> {
  const tokenizer = await VideoTokenizer.load(storeOf(ctx), options.model);
  try {
    const f = tokenizer.spatialFactor;
    const info = await probe(video);
    const asked = options.size ? parseSize('--size', options.size) : {};
    const round = (v: number) => Math.max(f, Math.floor(v / f) * f);
    const width = round(asked.width ?? info.video.width);
    const height = round(asked.height ?? Math.round((width * info.video.height) / info.video.width));
    const limit = options.frames
      ? parseNumber('--frames', options.frames, { min: 1, integer: true })
      : Infinity;
    const chunk = parseNumber('--chunk', options.chunk, { min: 1, integer: true });
    const frames: TokenizerFrame[] = [];
    for await (const frame of decodeFrames(video, {
      info,
      width,
      height,
      pixelFormat: 'rgb24',
      signal: ctx.signal,
    })) {
      frames.push({ width: frame.width, height: frame.height, data: frame.data });
      if (frames.length >= limit) break;
    }
    if (frames.length === 0) throw new OrbisError('VIDEO_EMPTY', `${video} has no frames to tokenize`);
    const task = ctx.progress.task('tokenize', frames.length);
    const result = await tokenizer.roundTrip(frames, chunk);
    task.done();
    const image = (t: TokenizerFrame) => ({ width: t.width, height: t.height, channels: 3, data: t.data });
    let p = 0;
    let s = 0;
    frames.forEach((frame, i) => {
      p += Math.min(100, psnr(image(result.frames[i]!), image(frame)));
      s += ssim(image(result.frames[i]!), image(frame));
    });
    const fps = info.video.fps || 24;
    if (options.out)
      await encodeClip(
        result.frames.map((fr, i) => ({
          index: i,
          pts: i,
          timeBase: { num: 1, den: Math.round(fps) },
          timestamp: i / fps,
          width: fr.width,
          height: fr.height,
          pixelFormat: 'rgb24' as const,
          data: fr.data,
        })),
        options.out,
        { inputFps: fps, crf: 12 },
      );
    const summary = {
      model: tokenizer.model.manifest.name,
      frames: frames.length,
      size: `${width}x${height}`,
      psnr: p / frames.length,
      ssim: s / frames.length,
      compression: result.compression,
      latentShape: result.latentShape,
      padded: result.padded,
      ...(options.out ? { out: options.out } : {}),
    };
    ctx.result(
      [
        `${summary.model}: ${frames.length} frames at ${summary.size}, PSNR ${summary.psnr.toFixed(2)} dB, SSIM ${summary.ssim.toFixed(4)}, compression ${summary.compression.toFixed(1)}x`,
        ...(result.padded
          ? [`the last chunk was padded with ${result.padded} copies of its last frame (dropped again)`]
          : []),
        ...(options.out ? [`reconstruction: ${options.out}`] : []),
      ],
      summary,
    );
    return 0;
  } finally {
    await tokenizer.close();
  }
}
