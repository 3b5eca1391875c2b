import { stat } from 'node:fs/promises';
import { type Frame, OrbisError, rgbFrame, type VideoInfo } from '../../core/index.js';
import { psnr, ssim } from '../../eval/index.js';
import {
  openTokenFile,
  sidecarOf,
  TokenFileWriter,
  type TokenizerFrame,
  VideoTokenizer,
} from '../../tokenizer/index.js';
import { decodeFrames, encodeClip, probe } from '../../video/index.js';
import { parseNumber, parseSize } from '../args.js';
import type { CliContext } from '../context.js';
import { storeOf } from './models.js';

interface VideoInOptions {
  model: string;
  size?: string;
  frames?: string;
  chunk: string;
}

/** The model through the configured store, on --threads intra-op threads (0: ONNX Runtime chooses). */
export function loadTokenizer(ctx: CliContext, name: string): Promise<VideoTokenizer> {
  return VideoTokenizer.load(storeOf(ctx), name, { threads: ctx.config.threads });
}

/**
 * The frame size a video is tokenized at: --size, or the video's own size rounded down to the model's patch.
 * A video smaller than one patch is refused rather than silently scaled up.
 */
function tokenizeSize(tokenizer: VideoTokenizer, path: string, info: VideoInfo, size?: string) {
  const f = tokenizer.spatialFactor;
  const { width: w, height: h } = info.video;
  if (!size && (w < f || h < f))
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `${path} is ${w}x${h}, smaller than the ${f}x${f} patch of ${tokenizer.model.manifest.name}`,
      { hint: `give --size ${Math.max(f, w)}x${Math.max(f, h)} to scale it up, or use a larger video` },
    );
  const asked = size ? parseSize('--size', size) : {};
  const width = asked.width ?? Math.floor(w / f) * f;
  const height = asked.height ?? Math.floor((asked.width ? (asked.width * h) / w : h) / f) * f;
  tokenizer.checkSize(width, height);
  return { width, height };
}

/** A video's frames at the tokenizer's size, streamed from ffmpeg (at most `limit`). */
async function* videoFrames(
  ctx: CliContext,
  path: string,
  info: VideoInfo,
  size: { width: number; height: number },
  limit: number,
): AsyncGenerator<TokenizerFrame> {
  let n = 0;
  for await (const frame of decodeFrames(path, { info, ...size, pixelFormat: 'rgb24', signal: ctx.signal })) {
    yield { width: frame.width, height: frame.height, data: frame.data };
    if (++n >= limit) return;
  }
  if (n === 0) throw new OrbisError('VIDEO_EMPTY', `${path} has no frames to tokenize`);
}

async function openVideo(
  ctx: CliContext,
  tokenizer: VideoTokenizer,
  video: string,
  options: Omit<VideoInOptions, 'model'>,
) {
  const info = await probe(video);
  const size = tokenizeSize(tokenizer, video, info, options.size);
  const limit = options.frames
    ? parseNumber('--frames', options.frames, { min: 1, integer: true })
    : Infinity;
  const chunk = parseNumber('--chunk', options.chunk, { min: 1, integer: true });
  if ((chunk - 1) % tokenizer.timeFactor)
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `--chunk must be 1 + ${tokenizer.timeFactor}k frames, not ${chunk}`,
      {
        hint: `use --chunk ${tokenizer.paddedLength(chunk)}`,
      },
    );
  const total = Math.min(limit, info.video.frameCount || Infinity);
  return {
    info,
    size,
    chunk,
    total: Number.isFinite(total) ? total : undefined,
    frames: videoFrames(ctx, video, info, size, limit),
  };
}

const paddedLine = (padded: number, chunk: number, timeFactor: number) =>
  padded
    ? [
        `the last chunk was padded with ${padded} ${padded === 1 ? 'copy' : 'copies'} of its last frame to fill the causal group of 1 + ${timeFactor}k frames (of ${chunk} per chunk); decoding drops them again`,
      ]
    : [];

async function* asFrames(frames: AsyncIterable<TokenizerFrame>, fps: number): AsyncGenerator<Frame> {
  let i = 0;
  for await (const f of frames) yield rgbFrame(f, i++, fps);
}

/** `orbis tokenize encode`: a video to a tokens file (.npy + .json sidecar), chunk by chunk. */
export async function tokenizeEncodeCommand(
  ctx: CliContext,
  video: string,
  options: VideoInOptions & { out: string },
): Promise<number> {
  const tokenizer = await loadTokenizer(ctx, options.model);
  try {
    const started = performance.now();
    const { info, size, chunk, total, frames } = await openVideo(ctx, tokenizer, video, options);
    const fps = info.video.fps || 24;
    const writer = await TokenFileWriter.create(options.out, tokenizer, {
      source: video,
      ...size,
      fps,
      chunkFrames: chunk,
    });
    const task = ctx.progress.task('encode', total);
    let header: Awaited<ReturnType<TokenFileWriter['finish']>>;
    try {
      for await (const encoded of tokenizer.encodeStream(frames, chunk)) {
        await writer.append(encoded);
        task.tick(encoded.frames);
      }
      header = await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    task.done(`${(header.frames / seconds).toFixed(1)} fps`);
    const bytes = (await stat(options.out)).size;
    const positions =
      header.shape.reduce((a, b) => a * b, 1) / (tokenizer.fsq ? 1 : tokenizer.latentChannels);
    const compression =
      (header.frames * size.width * size.height * 24) / (positions * tokenizer.bitsPerPosition);
    const summary = {
      model: header.model.name,
      out: options.out,
      sidecar: sidecarOf(options.out),
      kind: header.kind,
      dtype: header.dtype,
      shape: header.shape,
      frames: header.frames,
      size: `${size.width}x${size.height}`,
      fps,
      chunkFrames: chunk,
      padded: header.padded,
      bytes,
      compression,
      seconds,
    };
    ctx.result(
      [
        `${summary.model}: ${header.frames} frames at ${summary.size} -> ${header.dtype} ${header.kind === 'discrete' ? 'tokens' : 'latents'} [${header.shape.join(', ')}] in ${options.out} (${bytes} bytes, compression ${compression.toFixed(1)}x, ${seconds.toFixed(1)} s)`,
        ...paddedLine(header.padded, chunk, tokenizer.timeFactor),
      ],
      summary,
    );
    return 0;
  } finally {
    await tokenizer.close();
  }
}

/** `orbis tokenize decode`: a tokens file back to an MP4, chunk by chunk. */
export async function tokenizeDecodeCommand(
  ctx: CliContext,
  file: string,
  options: { model: string; out: string; crf: string },
): Promise<number> {
  const crf = parseNumber('--crf', options.crf, { min: 0, max: 51, integer: true });
  const tokenizer = await loadTokenizer(ctx, options.model);
  try {
    const started = performance.now();
    const { header, chunks } = await openTokenFile(file, tokenizer);
    const task = ctx.progress.task('decode', header.frames);
    const frames = (async function* () {
      for await (const frame of tokenizer.decodeStream(chunks())) {
        task.tick();
        yield frame;
      }
    })();
    const written = await encodeClip(asFrames(frames, header.fps), options.out, {
      inputFps: header.fps,
      crf,
    });
    const seconds = (performance.now() - started) / 1000;
    task.done(`${(written.frames / seconds).toFixed(1)} fps`);
    const summary = {
      model: header.model.name,
      out: options.out,
      frames: written.frames,
      size: `${header.width}x${header.height}`,
      fps: header.fps,
      seconds,
    };
    ctx.result(
      `${summary.model}: ${summary.frames} frames at ${summary.size} decoded to ${options.out} (${seconds.toFixed(1)} s)`,
      summary,
    );
    return 0;
  } finally {
    await tokenizer.close();
  }
}

/** What a round trip measured (the JSON of `orbis tokenize roundtrip`). */
export interface RoundTripSummary {
  model: string;
  frames: number;
  size: string;
  psnr: number;
  ssim: number;
  compression: number;
  latentShape: number[];
  padded: number;
  chunkFrames: number;
  out?: string;
}

/**
 * A video through `tokenizer` and back, streamed chunk by chunk like encode and decode: PSNR and SSIM of each
 * frame against the original, the compression achieved, and the reconstruction as an MP4 when `out` is given.
 */
export async function roundTripVideo(
  ctx: CliContext,
  tokenizer: VideoTokenizer,
  video: string,
  options: Omit<VideoInOptions, 'model'> & { out?: string },
): Promise<RoundTripSummary> {
  const { info, size, chunk, total, frames } = await openVideo(ctx, tokenizer, video, options);
  const fps = info.video.fps || 24;
  const task = ctx.progress.task('tokenize', total);
  const originals: TokenizerFrame[] = [];
  const tapped = (async function* () {
    for await (const f of frames) {
      originals.push(f);
      yield f;
    }
  })();
  const totals = { frames: 0, psnr: 0, ssim: 0, padded: 0, positions: 0, latentShape: [] as number[] };
  const image = (t: TokenizerFrame) => ({ width: t.width, height: t.height, channels: 3, data: t.data });
  const reconstructed = (async function* () {
    for await (const encoded of tokenizer.encodeStream(tapped, chunk)) {
      const [, , t, h, w] = encoded.latent.dims;
      totals.padded += encoded.padded;
      totals.positions += t * h * w;
      totals.latentShape = encoded.latent.dims;
      for await (const frame of tokenizer.decodeStream([encoded])) {
        const original = originals.shift()!;
        totals.psnr += Math.min(100, psnr(image(frame), image(original)));
        totals.ssim += ssim(image(frame), image(original));
        totals.frames++;
        yield frame;
      }
      task.tick(encoded.frames);
    }
  })();
  if (options.out) await encodeClip(asFrames(reconstructed, fps), options.out, { inputFps: fps, crf: 12 });
  else for await (const _ of reconstructed);
  task.done();
  const n = totals.frames;
  return {
    model: tokenizer.model.manifest.name,
    frames: n,
    size: `${size.width}x${size.height}`,
    psnr: totals.psnr / n,
    ssim: totals.ssim / n,
    compression: (n * size.width * size.height * 24) / (totals.positions * tokenizer.bitsPerPosition),
    latentShape: totals.latentShape,
    padded: totals.padded,
    chunkFrames: chunk,
    ...(options.out ? { out: options.out } : {}),
  };
}

export const roundTripLine = (r: RoundTripSummary): string =>
  `${r.model}: ${r.frames} frames at ${r.size}, PSNR ${r.psnr.toFixed(2)} dB, SSIM ${r.ssim.toFixed(4)}, compression ${r.compression.toFixed(1)}x`;

/** `orbis tokenize roundtrip`: a video through a tokenizer and back, with PSNR, SSIM and the compression. */
export async function tokenizeRoundtripCommand(
  ctx: CliContext,
  video: string,
  options: VideoInOptions & { out?: string },
): Promise<number> {
  const tokenizer = await loadTokenizer(ctx, options.model);
  try {
    const summary = await roundTripVideo(ctx, tokenizer, video, options);
    ctx.result(
      [
        roundTripLine(summary),
        ...paddedLine(summary.padded, summary.chunkFrames, tokenizer.timeFactor),
        ...(options.out ? [`reconstruction: ${options.out}`] : []),
      ],
      summary,
    );
    return 0;
  } finally {
    await tokenizer.close();
  }
}
