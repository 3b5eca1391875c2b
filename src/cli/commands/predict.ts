import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Frame, OrbisError, rgbFrame } from '../../core/index.js';
import {
  captionPrompt,
  MAX_GUIDANCE,
  type Prediction,
  Predictor,
  promptWords,
  scenarioStart,
} from '../../predict/index.js';
import type { TokenizerFrame } from '../../tokenizer/index.js';
import { decodeFrames, encodeClip, probe } from '../../video/index.js';
import { parseNumber, parseSampling, usage } from '../args.js';
import type { CliContext } from '../context.js';
import { storeOf } from './models.js';

export const DEFAULT_WORLD_MODEL = 'world-dv4x8x8';

/** `--action-guidance` / `--prompt-guidance`, where given: 0 (off) to the predictor's maximum. */
export function parseGuidance(flag: '--action-guidance' | '--prompt-guidance', text: string | undefined) {
  return text === undefined ? undefined : parseNumber(flag, text, { min: 0, max: MAX_GUIDANCE });
}
/** `--prompt-guidance-frames`, where given: a whole number (the predictor checks it against its model). */
export function parseGuidanceFrames(text: string | undefined) {
  return text === undefined
    ? undefined
    : parseNumber('--prompt-guidance-frames', text, { min: 0, max: 1000, integer: true });
}

/** The frame rate futures are written at: the sim's, which the model was trained on. */
const FPS = 24;

export interface PredictOptions {
  input?: string;
  scenario?: string;
  frames: string;
  prompt?: string;
  actions?: string;
  samples: string;
  seed: string;
  length?: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  drafts?: string;
  actionGuidance?: string;
  promptGuidance?: string;
  promptGuidanceFrames?: string;
  keepUnchanged?: boolean;
  out: string;
  model?: string;
}

/** `orbis predict`: futures of a scene (an image, a video's first frames, or a fresh sim state) as MP4s. */
export async function predictCommand(ctx: CliContext, options: PredictOptions): Promise<number> {
  if (!options.input === !options.scenario)
    throw usage('give either --input <image|video> or --scenario <name>', 'see orbis predict --help');
  const frames = parseNumber('--frames', options.frames, { integer: true });
  if (frames !== 1 && frames !== 9)
    throw usage(
      `--frames must be 1 or 9 (conditioning frames), not ${frames}`,
      'use --frames 1 or --frames 9',
    );
  const samples = parseNumber('--samples', options.samples, { integer: true });
  if (samples < 1) throw usage(`--samples must be 1 or more, not ${samples}`, 'use --samples 4');
  const seed = parseNumber('--seed', options.seed, { min: 0, max: 2 ** 32 - 1, integer: true });
  const sampling = parseSampling(options);
  const drafts =
    options.drafts === undefined
      ? undefined
      : parseNumber('--drafts', options.drafts, { min: 0, max: 64, integer: true });
  const actionGuidance = parseGuidance('--action-guidance', options.actionGuidance);
  const promptGuidance = parseGuidance('--prompt-guidance', options.promptGuidance);
  const promptGuidanceFrames = parseGuidanceFrames(options.promptGuidanceFrames);
  const actionsFile = options.actions ? await readActions(options.actions) : undefined;
  const predictor = await Predictor.load(storeOf(ctx), options.model ?? DEFAULT_WORLD_MODEL, {
    threads: ctx.config.threads,
  });
  try {
    const length = options.length
      ? parseNumber('--length', options.length, { integer: true })
      : predictor.maxLength;
    const [height, width] = predictor.config.size;
    const warnings: string[] = [];
    let input: TokenizerFrame[];
    let prompt = options.prompt;
    let actions = actionsFile;
    if (options.scenario) {
      const start = await scenarioStart(options.scenario, seed, { frames, length, width, height });
      input = start.frames;
      if (prompt === undefined)
        prompt = defaultPrompt(start.caption, predictor.config.promptLength, warnings);
      actions ??= start.actions;
    } else {
      input = await readInput(ctx, options.input!, frames, { width, height }, warnings);
    }
    let writers: ReturnType<typeof startWriters> | undefined;
    const job = predictor.start({
      frames: input,
      samples,
      seed,
      length,
      sampling,
      ...(drafts !== undefined ? { drafts } : {}),
      ...(actionGuidance !== undefined ? { actionGuidance } : {}),
      ...(promptGuidance !== undefined ? { promptGuidance } : {}),
      ...(promptGuidanceFrames !== undefined ? { promptGuidanceFrames } : {}),
      ...(options.keepUnchanged !== undefined ? { keepUnchanged: options.keepUnchanged } : {}),
      signal: ctx.signal,
      ...(prompt !== undefined ? { prompt } : {}),
      ...(actions ? { actions } : {}),
      onFrames: (chunk) => writers?.push(chunk.start, chunk.frames),
    });
    // Inputs were checked by start(): only now are encoders started.
    writers = startWriters(options.out, samples, input);
    const task = ctx.progress.task('predict', job.status().tokensTotal);
    const timer = setInterval(() => {
      const s = job.status();
      task.update(s.tokensDone, s.tokensTotal);
    }, 250);
    let result: Prediction;
    try {
      result = await job.result;
      writers.end();
    } catch (error) {
      writers.fail(error);
      throw error;
    } finally {
      clearInterval(timer);
    }
    const files = await writers.done;
    task.done(`${result.tokensPerSecond.toFixed(0)} tokens/s`);
    for (const w of [...warnings, ...result.warnings]) ctx.log.warn(w);
    const summary = {
      model: result.model,
      out: options.out,
      futures: files.futures,
      grid: files.grid,
      samples,
      frames: length,
      conditioningFrames: result.conditioningFrames,
      prompt: prompt ?? '',
      seed,
      seconds: result.seconds,
      tokensPerSecond: result.tokensPerSecond,
      steps: result.steps,
      realTimeRatio: result.seconds / (length / FPS),
      warnings: [...warnings, ...result.warnings],
    };
    ctx.result(
      [
        `${result.model.name}: ${samples} ${samples === 1 ? 'future' : 'futures'} of ${length} frames (${result.conditioningFrames} given) in ${result.seconds.toFixed(1)} s, ${result.tokensPerSecond.toFixed(0)} tokens/s, ${summary.realTimeRatio.toFixed(1)}x real time`,
        ...files.futures.map((f) => `  ${f}`),
        `  ${files.grid} (input at left, then the futures)`,
      ],
      summary,
    );
    return 0;
  } finally {
    await predictor.close();
  }
}

/** The actions file: a JSON array of [frames][7] numbers (its shape is checked against the model later). */
async function readActions(path: string): Promise<number[][]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usage(
      `cannot read the actions file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path',
    );
  }
  try {
    return JSON.parse(text) as number[][];
  } catch {
    throw usage(
      `the actions file ${path} is not JSON`,
      'write a JSON array of rows of 7 numbers, one per frame',
    );
  }
}

/** A sim caption as a prompt: its first words when it is longer than the model takes, with a warning. */
function defaultPrompt(caption: string, limit: number, warnings: string[]): string {
  const words = promptWords(caption).length;
  if (words <= limit) return caption;
  warnings.push(`the caption has ${words} words; its first ${limit} are the prompt`);
  return captionPrompt(caption, limit);
}

/** The first `count` frames of an image or video, scaled by ffmpeg to the model's size (with a warning). */
async function readInput(
  ctx: CliContext,
  path: string,
  count: number,
  size: { width: number; height: number },
  warnings: string[],
): Promise<TokenizerFrame[]> {
  const info = await probe(path);
  const { width, height } = info.video;
  if (width !== size.width || height !== size.height)
    warnings.push(
      `${path} is ${width}x${height}; it was resized to ${size.width}x${size.height}, the size the model was trained at`,
    );
  const frames: TokenizerFrame[] = [];
  for await (const f of decodeFrames(path, { info, ...size, pixelFormat: 'rgb24', signal: ctx.signal })) {
    frames.push({ width: f.width, height: f.height, data: f.data });
    if (frames.length === count) break;
  }
  if (frames.length < count)
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `${path} has ${frames.length} frame(s); --frames ${count} needs ${count}`,
      {
        hint:
          frames.length === 1 ? 'an image is one frame: use --frames 1' : 'use --frames 1 or a longer video',
      },
    );
  return frames;
}

/** An async queue of frames that ffmpeg reads while the model is still generating. */
class FrameQueue implements AsyncIterable<Frame> {
  private readonly items: Frame[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;
  private error: unknown;
  private index = 0;

  push(frame: TokenizerFrame): void {
    this.items.push(rgbFrame(frame, this.index++, FPS));
    this.wake();
  }

  end(error?: unknown): void {
    this.ended = true;
    this.error = error;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Frame> {
    for (;;) {
      const next = this.items.shift();
      if (next) yield next;
      else if (this.error) throw this.error;
      else if (this.ended) return;
      else await new Promise<void>((r) => (this.waiting = r));
    }
  }
}

/** One MP4 per future and the grid (input at left, held on its last frame), written as frames arrive. */
function startWriters(out: string, samples: number, input: TokenizerFrame[]) {
  const queues = Array.from({ length: samples + 1 }, () => new FrameQueue());
  const futures = Array.from({ length: samples }, (_, i) => join(out, `future-${i}.mp4`));
  const grid = join(out, 'grid.mp4');
  const encodes = queues.map((q, i) =>
    encodeClip(q, i < samples ? futures[i]! : grid, { inputFps: FPS, crf: 18 }),
  );
  // Keep an encoder's early failure from being unhandled while the model still runs.
  const done = Promise.all(encodes).then(() => ({ futures, grid }));
  done.catch(() => {});
  return {
    push(start: number, frames: TokenizerFrame[][]) {
      frames.forEach((clip, b) => {
        for (const f of clip) queues[b]!.push(f);
      });
      for (let k = 0; k < frames[0]!.length; k++)
        queues[samples]!.push(
          sideBySide([input[Math.min(start + k, input.length - 1)]!, ...frames.map((c) => c[k]!)]),
        );
    },
    end: () => {
      for (const q of queues) q.end();
    },
    fail: (error: unknown) => {
      for (const q of queues) q.end(error);
    },
    done,
  };
}

/** RGB frames of one size side by side, 2 px of black between them. */
export function sideBySide(frames: readonly TokenizerFrame[]): TokenizerFrame {
  const { width: w, height: h } = frames[0]!;
  const gap = 2;
  const width = frames.length * w + (frames.length - 1) * gap;
  const data = new Uint8Array(width * h * 3);
  frames.forEach((f, i) => {
    for (let y = 0; y < h; y++)
      data.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), (y * width + i * (w + gap)) * 3);
  });
  return { width, height: h, data };
}
