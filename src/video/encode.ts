import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  abortError,
  channelsOf,
  type Frame,
  OrbisError,
  type TimeSpan,
  VideoError,
  type VideoInfo,
  writeAtomic,
} from '../core/index.js';
import { classifyInputFailure } from './input-errors.js';
import { probe } from './probe.js';
import { seekArgs } from './seek.js';
import { inputUrl, missingToolError, requireSupportedFfmpeg, StderrTail, spawnTool } from './tools.js';

/** H.264 settings shared by every encode. */
export interface EncodeOptions {
  /** Constant rate factor, 0 (lossless) to 51; default 18, visually near-lossless. */
  crf?: number;
  /** x264 speed/size trade-off; default "medium". */
  preset?:
    | 'ultrafast'
    | 'superfast'
    | 'veryfast'
    | 'faster'
    | 'fast'
    | 'medium'
    | 'slow'
    | 'slower'
    | 'veryslow';
  /** Output frame rate; by default the input's timing is kept frame for frame. */
  fps?: number;
  /** Output size; give one side to keep the aspect ratio. Sizes are rounded to even numbers (yuv420p). */
  width?: number;
  height?: number;
  /** ffmpeg threads; 0 or absent lets ffmpeg choose. */
  threads?: number;
  signal?: AbortSignal;
}

export interface EncodeResult {
  path: string;
  frames: number;
}

const presets = new Set([
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
]);

function x264Args(options: EncodeOptions): string[] {
  const crf = options.crf ?? 18;
  if (!(Number.isInteger(crf) && crf >= 0 && crf <= 51))
    throw invalid('crf must be a whole number from 0 to 51');
  const preset = options.preset ?? 'medium';
  if (!presets.has(preset)) throw invalid(`preset must be one of ${[...presets].join(', ')}`);
  const threads = options.threads ? ['-threads', String(options.threads)] : [];
  return [
    '-c:v',
    'libx264',
    '-crf',
    String(crf),
    '-preset',
    preset,
    ...threads,
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
  ];
}

/** The filter chain that applies fps and size options, always ending on even dimensions for yuv420p. */
function outputFilters(options: EncodeOptions): string[] {
  const filters: string[] = [];
  if (options.fps !== undefined) {
    if (!(options.fps > 0 && options.fps <= 1000)) throw invalid('fps must be in (0, 1000]');
    filters.push(`fps=${options.fps}`);
  }
  const { width, height } = options;
  for (const v of [width, height]) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 16384))
      throw invalid('sizes must be 1 to 16384 pixels');
  }
  if (width || height)
    filters.push(`scale=${width ? String(width) : '-2'}:${height ? String(height) : '-2'}:flags=area`);
  filters.push('scale=trunc(iw/2)*2:trunc(ih/2)*2');
  return filters;
}

function invalid(message: string): OrbisError {
  return new OrbisError('INVALID_ARGUMENT', message);
}

/**
 * Encode frames (all of one size and pixel format) into an H.264 MP4 at `out`. Frames are timed at
 * `inputFps` (default 30) in the order given. The file appears only when complete; the frame source is
 * closed whatever happens.
 */
export async function encodeClip(
  frames: AsyncIterable<Frame> | Iterable<Frame>,
  out: string,
  options: EncodeOptions & { inputFps?: number } = {},
): Promise<EncodeResult> {
  const iterator = (Symbol.asyncIterator in frames ? frames : toAsync(frames))[Symbol.asyncIterator]();
  try {
    const inputFps = options.inputFps ?? 30;
    if (!(inputFps > 0 && inputFps <= 1000)) throw invalid('inputFps must be in (0, 1000]');
    const filter = outputFilters(options).join(',');
    const x264 = x264Args(options);
    await requireSupportedFfmpeg();
    await mkdir(dirname(out), { recursive: true });
    const first = await iterator.next();
    if (first.done) throw invalid('encodeClip needs at least one frame');
    const { width, height, pixelFormat } = first.value;
    const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'];
    args.push(
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixelFormat,
      '-s',
      `${width}x${height}`,
      '-framerate',
      String(inputFps),
    );
    args.push('-i', 'pipe:0', '-vf', filter, ...x264);
    return await writeAtomic(out, (temp) =>
      pipeFrames(iterator, first, [...args, '-f', 'mp4', temp], out, options.signal),
    );
  } finally {
    await iterator.return?.();
  }
}

async function pipeFrames(
  iterator: AsyncIterator<Frame>,
  first: IteratorResult<Frame>,
  args: string[],
  out: string,
  signal: AbortSignal | undefined,
): Promise<EncodeResult> {
  const { width, height, pixelFormat } = first.value as Frame;
  const child = spawnTool('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  const tail = new StderrTail();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => tail.push(t));
  let exited = false;
  const exit = new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      exited = true;
      resolveExit(code);
    });
  });
  exit.catch(() => {});
  const stdin = child.stdin!;
  stdin.on('error', () => {}); // EPIPE when ffmpeg dies early; its exit code tells the story
  const onAbort = (): void => {
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const frameBytes = width * height * channelsOf[pixelFormat];
  let count = 0;
  try {
    let next = first;
    // Stop feeding as soon as ffmpeg is gone: pulling more frames would only decode them for nothing.
    while (!next.done && !exited && !stdin.destroyed) {
      if (signal?.aborted) throw abortError(signal.reason);
      const frame = next.value;
      if (frame.width !== width || frame.height !== height || frame.pixelFormat !== pixelFormat) {
        throw invalid(
          `frame ${count} is ${frame.width}x${frame.height} ${frame.pixelFormat}, unlike the first`,
        );
      }
      if (frame.data.length !== frameBytes)
        throw invalid(`frame ${count} has ${frame.data.length} bytes, not ${frameBytes}`);
      if (!stdin.write(frame.data)) await waitDrainOrExit(stdin, exit);
      count++;
      next = await iterator.next();
    }
    stdin.end();
    const code = await exit.catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? missingToolError('ffmpeg', error) : error;
    });
    if (signal?.aborted) throw abortError(signal.reason);
    if (code !== 0 || !next.done) {
      throw new OrbisError(
        'VIDEO_ENCODE_FAILED',
        `ffmpeg could not encode ${out}: ${tail.all().pop() ?? `exit ${code}`}`,
        {
          hint: 'check the encode options and free disk space',
          details: { stderrTail: tail.text() },
        },
      );
    }
    return { path: out, frames: count };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!exited) {
      child.kill('SIGKILL');
      await exit.catch(() => {});
    }
  }
}

function waitDrainOrExit(stdin: NodeJS.WritableStream, exit: Promise<unknown>): Promise<void> {
  return new Promise((resolveWait) => {
    const done = (): void => {
      stdin.removeListener('drain', done);
      resolveWait();
    };
    stdin.once('drain', done);
    exit.then(done, done);
  });
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

export interface CutOptions extends EncodeOptions {
  /** Keep the audio track (AAC); default false, as training clips rarely want it. */
  audio?: boolean;
  /** A probe already made of the source, to skip a second one. */
  info?: VideoInfo;
}

/**
 * Cut [span.start, span.end) of a video into a new H.264 MP4, frame-accurately: ffmpeg seeks to the
 * keyframe before the start, and a trim on the container's own timestamps keeps exactly the frames inside
 * the span (the end is exclusive). Times count from the video's start (`info.startTime`).
 */
export async function cutClip(
  path: string,
  span: TimeSpan,
  out: string,
  options: CutOptions = {},
): Promise<EncodeResult> {
  const info =
    options.info ??
    (await probe(path, { countFrames: 'never', ...(options.signal ? { signal: options.signal } : {}) }));
  if (!(span.start >= 0) || !(span.end > span.start)) {
    throw invalid(
      `the span ${span.start}-${span.end} s is empty or negative; the end must come after the start`,
    );
  }
  if (span.start >= info.duration) {
    throw invalid(
      `the span starts at ${span.start} s, past the end of ${path} (${info.duration.toFixed(3)} s)`,
    );
  }
  await requireSupportedFfmpeg();
  const t0 = info.startTime;
  const trim = `start=${(span.start + t0).toFixed(6)}:end=${(span.end + t0).toFixed(6)}`;
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y', '-copyts'];
  args.push(...seekArgs(info, span.start));
  args.push('-i', inputUrl(path));
  const video = [
    `[0:${info.video.index}]trim=${trim}`,
    'setpts=PTS-STARTPTS',
    ...outputFilters(options),
  ].join(',');
  const graph = [`${video}[v]`];
  if (options.audio && info.audio) graph.push(`[0:${info.audio.index}]atrim=${trim},asetpts=PTS-STARTPTS[a]`);
  args.push('-filter_complex', graph.join(';'), '-map', '[v]');
  if (options.audio && info.audio) args.push('-map', '[a]', '-c:a', 'aac', '-b:a', '128k');
  args.push('-map_metadata', '-1', ...x264Args(options));
  if (options.fps === undefined) args.push('-fps_mode', 'passthrough');
  await mkdir(dirname(out), { recursive: true });
  return writeAtomic(out, async (temp) => {
    await runToFile(path, [...args, '-f', 'mp4', temp], options.signal);
    const written = await probe(temp, { countFrames: 'always' }).catch(() => undefined);
    if (!written || written.video.frameCount === 0) {
      throw invalid(`the span ${span.start}-${span.end} s of ${path} holds no frame; widen it`);
    }
    return { path: out, frames: written.video.frameCount };
  });
}

export interface ThumbnailOptions {
  /** Seconds into the video; default the middle. */
  time?: number;
  /** Width in pixels (height keeps the aspect ratio); default 320. */
  width?: number;
  signal?: AbortSignal;
}

/** Write one frame of a video as a JPEG (or PNG when `out` ends in .png). */
export async function thumbnail(path: string, out: string, options: ThumbnailOptions = {}): Promise<string> {
  const info = await probe(path, {
    countFrames: 'never',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const width = options.width ?? 320;
  if (!(Number.isInteger(width) && width > 0 && width <= 16384))
    throw invalid('thumbnail width must be 1 to 16384');
  await requireSupportedFfmpeg();
  const time = Math.min(Math.max(0, options.time ?? info.duration / 2), info.duration);
  const png = out.toLowerCase().endsWith('.png');
  // -update 1 writes a single image, so a "%" in the name is not read as a sequence pattern.
  const output = [
    '-map',
    `0:${info.video.index}`,
    '-frames:v',
    '1',
    '-vf',
    `scale=${width}:-2`,
    '-update',
    '1',
  ];
  output.push(...(png ? ['-f', 'image2', '-c:v', 'png'] : ['-f', 'image2', '-c:v', 'mjpeg', '-q:v', '3']));
  const base = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'];
  await mkdir(dirname(out), { recursive: true });
  await writeAtomic(out, async (temp) => {
    await runToFile(
      path,
      [...base, '-ss', time.toFixed(6), '-i', inputUrl(path), ...output, temp],
      options.signal,
    );
    if (await exists(temp)) return;
    // Past the last frame (the duration runs beyond it, or variable timing): take the last frame instead.
    const last = [
      '-sseof',
      '-1',
      '-i',
      inputUrl(path),
      '-map',
      `0:${info.video.index}`,
      '-vf',
      `scale=${width}:-2`,
      '-update',
      '1',
    ];
    await runToFile(path, [...base, ...last, ...output.slice(6), temp], options.signal);
    if (!(await exists(temp))) {
      throw new VideoError('VIDEO_CORRUPT', path, `no frame of ${path} could be decoded for a thumbnail`, {
        hint: 'check the file with orbis probe and orbis frames',
      });
    }
  });
  return out;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Run ffmpeg for an input file and turn a failure into a typed error about that input. */
async function runToFile(path: string, args: string[], signal: AbortSignal | undefined): Promise<void> {
  const child = spawnTool('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail = new StderrTail();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => tail.push(t));
  const onAbort = (): void => {
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('error', reject);
      child.once('close', resolveExit);
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? missingToolError('ffmpeg', error) : error;
    });
    if (signal?.aborted) throw abortError(signal.reason);
    if (code !== 0) {
      const failure = await classifyInputFailure(path, tail.text(), 'ffmpeg');
      if (failure.code === 'VIDEO_DECODE_FAILED') {
        throw new VideoError(
          'VIDEO_ENCODE_FAILED',
          path,
          `ffmpeg failed writing from ${path}: ${tail.all().pop() ?? ''}`,
          {
            stderrTail: tail.text(),
            hint: 'check the output path, the options and free disk space',
          },
        );
      }
      throw failure;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
