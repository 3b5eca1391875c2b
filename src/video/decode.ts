import {
  abortError,
  channelsOf,
  type Frame,
  OrbisError,
  type PixelFormat,
  type Rational,
  VideoError,
  type VideoInfo,
} from '../core/index.js';
import { classifyInputFailure, stderrShowsCorruption } from './input-errors.js';
import { probe } from './probe.js';
import { seekArgs } from './seek.js';
import { inputUrl, missingToolError, requireSupportedFfmpeg, StderrTail, spawnTool } from './tools.js';

export interface DecodeOptions {
  /** Resample to this constant frame rate; by default every decoded frame comes out with its own timestamp. */
  fps?: number;
  /** Output size; give one side to keep the aspect ratio. Default: the display size. */
  width?: number;
  height?: number;
  /**
   * Seconds from the start of the video (its container start time, `info.startTime`); the frames with
   * start <= t < end are returned.
   */
  start?: number;
  end?: number;
  pixelFormat?: PixelFormat;
  signal?: AbortSignal;
  /** A probe already made of this file, to skip a second one. */
  info?: VideoInfo;
  /** ffmpeg decoder threads; 0 or absent lets ffmpeg choose. */
  threads?: number;
  /** swscale algorithm for resizing (ffmpeg's `flags`), default "area", which suits downscaling. */
  scaleFlags?: string;
  /**
   * When ffmpeg reports damage in the stream (a truncated or corrupt file), `throw` (default) raises
   * VIDEO_CORRUPT after every frame that could be decoded has been yielded; `ignore` ends quietly.
   */
  onCorrupt?: 'throw' | 'ignore';
  /** Complete frames held ahead of the consumer before ffmpeg is made to wait (default 4). */
  bufferFrames?: number;
}

export interface DecodePlan {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  frameBytes: number;
  /** Arguments before the output: input, seeking, filters. */
  args: string[];
  /** The video filter chain without our timestamp probe, for peers that decode the same way. */
  filter: string;
}

/** Work out output size and the ffmpeg arguments for decoding `info` with `options`. */
export function planDecode(info: VideoInfo, options: DecodeOptions = {}): DecodePlan {
  const pixelFormat = options.pixelFormat ?? 'rgb24';
  const { width, height } = outputSize(info, options);
  const { start, end } = options;
  if (start !== undefined && !(start >= 0)) throw badOption('start must be a number of seconds >= 0');
  if (end !== undefined && !(end > (start ?? 0))) throw badOption('end must be after start');
  if (options.fps !== undefined && !(options.fps > 0 && options.fps <= 1000))
    throw badOption('fps must be in (0, 1000]');

  // Timestamps stay as the container has them (-copyts), so the span is cut on absolute times by trim
  // (end exclusive); the input -ss only jumps to the keyframe before the start.
  const t0 = info.startTime;
  const filters: string[] = [];
  if (start !== undefined || end !== undefined) {
    const bounds = [
      start ? `start=${seconds(start + t0)}` : '',
      end !== undefined ? `end=${seconds(end + t0)}` : '',
    ];
    filters.push(`trim=${bounds.filter(Boolean).join(':')}`);
  }
  if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (width !== info.video.width || height !== info.video.height) {
    filters.push(`scale=${width}:${height}:flags=${options.scaleFlags ?? 'area'}`);
  }
  filters.push(`format=${pixelFormat}`);
  const filter = filters.join(',');

  // level+info tags every line with its level, so damage is judged on warnings and errors only, never
  // on info lines that echo file names or metadata.
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'];
  if (options.threads) args.push('-threads', String(options.threads));
  args.push('-copyts');
  args.push(...seekArgs(info, start));
  args.push('-i', inputUrl(info.path), '-map', `0:${info.video.index}`, '-an', '-sn', '-dn');
  return {
    width,
    height,
    pixelFormat,
    frameBytes: width * height * channelsOf[pixelFormat],
    args,
    filter,
  };
}

/** Seconds for an ffmpeg option, in microseconds precision (what ffmpeg keeps) without exponent notation. */
function seconds(value: number): string {
  return value.toFixed(6);
}

function outputSize(info: VideoInfo, options: DecodeOptions): { width: number; height: number } {
  const { width, height } = options;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 16384)) {
      throw badOption(`${name} must be a whole number of pixels between 1 and 16384`);
    }
  }
  const w = info.video.width;
  const h = info.video.height;
  if (width && height) return { width, height };
  if (width) return { width, height: Math.max(1, Math.round((width * h) / w)) };
  if (height) return { width: Math.max(1, Math.round((height * w) / h)), height };
  return { width: w, height: h };
}

function badOption(message: string): OrbisError {
  return new OrbisError('INVALID_ARGUMENT', message);
}

const timeBaseLine = /^\[Parsed_showinfo_\d+ @ [^\]]+\] (?:\[info\] )?config in time_base: (\d+)\/(\d+)/;
const frameLine = /^\[Parsed_showinfo_\d+ @ [^\]]+\] (?:\[info\] )?n:\s*\d+ pts:\s*(-?\d+)/;
/** Lines below warning level: progress and stream descriptions, kept out of the error tail. */
const quietLine = /(^|\] )\[(info|verbose|debug|trace)\] /;

/**
 * Decode a video into frames, streamed from ffmpeg over a pipe. Each frame carries its exact presentation
 * timestamp. The consumer sets the pace (ffmpeg waits when frames pile up); breaking out of the loop,
 * an error, or aborting `signal` ends the ffmpeg process before this returns.
 */
export async function* decodeFrames(path: string, options: DecodeOptions = {}): AsyncGenerator<Frame> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal.reason);
  const info = options.info ?? (await probe(path, { countFrames: 'never', ...(signal ? { signal } : {}) }));
  const plan = planDecode(info, options);
  await requireSupportedFfmpeg();
  const args = [...plan.args, '-vf', `${plan.filter},showinfo=checksum=0`];
  args.push('-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', plan.pixelFormat, 'pipe:1');

  const child = spawnTool('ffmpeg', args);
  const highWater = Math.max(1, options.bufferFrames ?? 4);
  const ready: Uint8Array[] = [];
  const ptsQueue: number[] = [];
  const tail = new StderrTail(30);
  let timeBase: Rational | undefined;
  // Uninitialized memory is safe: every byte of a frame is written before it is handed out.
  let current: Uint8Array = Buffer.allocUnsafeSlow(plan.frameBytes);
  let filled = 0;
  let closed = false;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  let spawnError: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const stdout = child.stdout!;
  stdout.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(plan.frameBytes - filled, chunk.length - i);
      current.set(chunk.subarray(i, i + n), filled);
      filled += n;
      i += n;
      if (filled === plan.frameBytes) {
        ready.push(current);
        current = Buffer.allocUnsafeSlow(plan.frameBytes);
        filled = 0;
      }
    }
    if (ready.length >= highWater) stdout.pause();
    notify();
  });
  const claimShowinfo = (line: string): boolean => {
    const frame = frameLine.exec(line);
    if (frame) {
      ptsQueue.push(Number(frame[1]));
      return true;
    }
    const tb = timeBaseLine.exec(line);
    if (tb) {
      timeBase ??= { num: Number(tb[1]), den: Number(tb[2]) };
      return true;
    }
    return line.startsWith('[Parsed_showinfo_') || quietLine.test(line);
  };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    tail.push(text, claimShowinfo);
    notify();
  });
  child.on('error', (error) => {
    spawnError = error;
    closed = true;
    notify();
  });
  const closedPromise = new Promise<void>((resolveClose) => {
    child.on('close', (code, signalName) => {
      tail.end(claimShowinfo);
      exitCode = code;
      exitSignal = signalName;
      closed = true;
      notify();
      resolveClose();
    });
  });
  const onAbort = (): void => {
    child.kill('SIGKILL');
    notify();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  let index = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal.reason);
      if (ready.length > 0 && (ptsQueue.length > 0 || closed)) {
        const data = ready.shift()!;
        if (ready.length < highWater && stdout.isPaused()) stdout.resume();
        const pts = ptsQueue.shift();
        if (pts === undefined || !timeBase) {
          throw new OrbisError('INTERNAL', `ffmpeg gave frame ${index} of ${path} without a timestamp`);
        }
        yield {
          index,
          pts,
          timeBase,
          timestamp: (pts * timeBase.num) / timeBase.den,
          width: plan.width,
          height: plan.height,
          pixelFormat: plan.pixelFormat,
          data,
        };
        index++;
        continue;
      }
      if (closed) break;
      await new Promise<void>((resolveWake) => {
        wake = resolveWake;
      });
    }
    if (spawnError) {
      throw (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
        ? missingToolError('ffmpeg', spawnError)
        : spawnError;
    }
    if (exitSignal) {
      throw new VideoError(
        'VIDEO_DECODE_FAILED',
        path,
        `ffmpeg was stopped by ${exitSignal} while decoding ${path}, after ${index} frames`,
        {
          stderrTail: tail.text(),
          hint: 'something outside Orbis ended it (out of memory?); rerun',
          details: { framesDecoded: index },
        },
      );
    }
    if (exitCode !== 0) throw await classifyInputFailure(path, tail.text(), 'ffmpeg');
    if (options.onCorrupt !== 'ignore' && (filled > 0 || stderrShowsCorruption(tail.all()))) {
      throw new VideoError(
        'VIDEO_CORRUPT',
        path,
        `${path} is damaged: decoding stopped or skipped data after ${index} frames`,
        {
          stderrTail: tail.text(),
          hint: 'the frames before the damage were delivered; re-export the file to recover the rest',
          details: { framesDecoded: index },
        },
      );
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!closed) {
      stdout.destroy();
      child.kill('SIGKILL');
      await closedPromise;
    }
  }
}
