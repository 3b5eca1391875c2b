import { OrbisError } from '../core/index.js';
import { resizeBicubic } from '../eval/index.js';
import type { ModelStore } from '../runtime/index.js';
import { type TokenizerFrame, toTensor, VideoTokenizer } from '../tokenizer/index.js';
import { guidedDigits, independentDigits } from './digits.js';
import { checkGuidance, checkGuidanceFrames, GuidedRollout } from './guidance.js';
import { unchangedKeeper } from './keep.js';
import { loadWorldModel, type WorldModelOptions } from './onnx-world-model.js';
import { checkSampling, drawToken, type SamplingOptions } from './sampler.js';
import {
  actionFeatures,
  framesOf,
  latentsOf,
  promptTokens,
  promptWords,
  type WorldModel,
  type WorldModelConfig,
  type WorldModelRollout,
} from './world-model.js';

/** What to predict from: a state (frames), what to say (prompt), what the robot does (actions). */
export interface PredictRequest {
  /** Conditioning frames, 1 + 8k (1 or 9), RGB; resized to the model's size with a warning when needed. */
  frames: readonly TokenizerFrame[];
  prompt?: string;
  /** One action per video frame of the future ([length][actionDim]), frame 0 included. */
  actions?: readonly (readonly number[])[];
  /** Futures drawn at once, as one batch (default 4). */
  samples?: number;
  seed?: number;
  /** Video frames of each future, conditioning frames included (default: all the model makes, 33). */
  length?: number;
  /** Temperature, top-k, top-p; each left out takes the model's recommended value (config.sampling), else
   * temperature 1 and no cut. */
  sampling?: SamplingOptions;
  /**
   * Speculative decoding, where the model returns every new position's logits: each step also feeds this many
   * drafted tokens after the next one and keeps those that the sampling would have drawn anyway. A draft is
   * the token a earlier step drew at that place from a prefix since corrected (Jacobi decoding), else the token
   * at its place one latent frame earlier. Each position draws with its own seeded random numbers, so the
   * futures are token for token those of one token a step, whatever the drafts. Default: the model's
   * config.drafts, else 4 for one future, 2 for a batch; 0 turns it off. Models whose step returns only the
   * last position's logits (the shipped world-dv8x16x16) take one token a step.
   */
  drafts?: number;
  /** false: draft only the token a latent frame earlier, not earlier steps' draws (to compare; same futures). */
  jacobi?: boolean;
  /**
   * Classifier-free guidance on the actions (with actions, on an action-conditioned model): each future is
   * also run without actions and sampled from with + g x (with - without), so the actions count for more.
   * Default: the model's config.actionGuidance, else 0 (off). Costs a batch twice the size.
   */
  actionGuidance?: number;
  /**
   * Classifier-free guidance on the prompt (with a prompt, on a prompted model): each future is also run with
   * a blank prompt (as the model was trained on a share of its batches) and sampled from
   * with + g x (with - blank), so what the prompt says counts for more. Default: the model's
   * config.promptGuidance, else 0 (off). Costs one more row per future; with action guidance too, two more.
   */
  promptGuidance?: number;
  /**
   * Prompt guidance over the first this many generated latent frames only; after them its rows are dropped,
   * so it costs that share of a guided run's extra time. Guidance on the prompt decides early what happens
   * (on the shipped model, over the first two generated latent frames it gains what guiding every frame gains,
   * over the first about half of it).
   * Default: the model's config.promptGuidanceFrames, else 0 (every frame).
   */
  promptGuidanceFrames?: number;
  /**
   * Draw each generated patch whose token is the last conditioning latent frame's at that place, where the
   * input was still over that latent frame, from the last input frame's own pixels instead of the decoder's
   * (which blurs what the model kept). The model's tokens decide what stays; only how it looks changes.
   * Default: the model's config.keepUnchanged, else false.
   */
  keepUnchanged?: boolean;
  /** Called as each latent frame completes, with the new video frames of every future. */
  onFrames?: (chunk: FutureFrames) => void;
  signal?: AbortSignal;
}

/** The request's fields that say how to generate, not what from. */
export type GenerationRequest = Pick<
  PredictRequest,
  'sampling' | 'actionGuidance' | 'promptGuidance' | 'promptGuidanceFrames' | 'keepUnchanged'
>;

/** A request's generation settings, each filled from the model's manifest where the request left it out. */
export interface GenerationSettings {
  sampling: Required<SamplingOptions>;
  actionGuidance: number;
  promptGuidance: number;
  /** 0: every generated latent frame. */
  promptGuidanceFrames: number;
  keepUnchanged: boolean;
}

export interface FutureFrames {
  /** Index of the first frame in this chunk, within the future. */
  start: number;
  /** [sample][frame]: the new frames of each future. */
  frames: TokenizerFrame[][];
}

export interface Prediction {
  model: { name: string; version: string };
  /** [sample][frame], `length` frames each; the first are the conditioning frames through the tokenizer. */
  futures: TokenizerFrame[][];
  /** The token indices of every future, [samples, latents, rows, cols]. */
  tokens: { data: Uint16Array; dims: [number, number, number, number] };
  conditioningFrames: number;
  /** Options the model ignored and inputs that were changed, each said once. */
  warnings: string[];
  seconds: number;
  tokensPerSecond: number;
  /** Calls of the model, the prefill included: one per token, or fewer with speculative decoding. */
  steps: number;
}

export interface PredictStatus {
  state: 'running' | 'done' | 'failed';
  /** Tokens generated per future so far, and in all. */
  tokensDone: number;
  tokensTotal: number;
  framesDone: number;
  framesTotal: number;
}

/** A prediction in flight: poll `status()`, await `result`. */
export interface PredictJob {
  status(): PredictStatus;
  readonly result: Promise<Prediction>;
}

/**
 * A world model and the tokenizer it generates in: frames -> tokens -> the model's futures, token by
 * token -> frames again, streamed as each latent frame completes.
 */
export class Predictor {
  private constructor(
    readonly model: WorldModel,
    readonly tokenizer: VideoTokenizer,
  ) {}

  static async load(store: ModelStore, name: string, options: WorldModelOptions = {}): Promise<Predictor> {
    const model = await loadWorldModel(store, name, options);
    try {
      const tokenizer = await VideoTokenizer.load(store, model.config.tokenizer, options);
      checkPair(model.config, tokenizer);
      return new Predictor(model, tokenizer);
    } catch (error) {
      await model.close();
      throw error;
    }
  }

  /** Wrap a loaded model and tokenizer (tests, custom backends). */
  static of(model: WorldModel, tokenizer: VideoTokenizer): Predictor {
    checkPair(model.config, tokenizer);
    return new Predictor(model, tokenizer);
  }

  get config(): WorldModelConfig {
    return this.model.config;
  }

  /** Video frames the model makes in one sequence (33 for 5 latent frames). */
  get maxLength(): number {
    return framesOf(this.config, this.config.grid[0]);
  }

  /**
   * The generation settings a request asks for: each one it leaves out is the model's recommended (its
   * manifest's config), else off (temperature 1, no cut). Checked, so a bad value throws here. Action guidance
   * applies only where actions are given, prompt guidance only where a prompt is; `start` warns otherwise.
   * The default prompt guidance may depend on the conditioning frames (`defaultPromptGuidance`).
   */
  settings(request: GenerationRequest = {}, conditioningFrames = 1): GenerationSettings {
    const config = this.config;
    const asked = Object.entries(request.sampling ?? {}).filter(([, v]) => v !== undefined);
    return {
      sampling: checkSampling({ ...config.sampling, ...Object.fromEntries(asked) }),
      actionGuidance: checkGuidance(
        '--action-guidance',
        request.actionGuidance ?? config.actionGuidance ?? 0,
        2,
      ),
      promptGuidance: checkGuidance(
        '--prompt-guidance',
        request.promptGuidance ?? defaultPromptGuidance(config, conditioningFrames),
        1,
      ),
      promptGuidanceFrames: checkGuidanceFrames(
        request.promptGuidanceFrames ?? config.promptGuidanceFrames ?? 0,
        config.grid[0] - 1,
      ),
      keepUnchanged: request.keepUnchanged ?? config.keepUnchanged ?? false,
    };
  }

  /** Start a prediction; inputs are checked before this returns, so bad ones throw here. */
  start(request: PredictRequest): PredictJob {
    const plan = this.plan(request);
    const status: PredictStatus = {
      state: 'running',
      tokensDone: 0,
      tokensTotal: plan.generated * plan.grid,
      framesDone: 0,
      framesTotal: plan.length,
    };
    const result = this.run(plan, request, status).then(
      (prediction) => {
        status.state = 'done';
        return prediction;
      },
      (error: unknown) => {
        status.state = 'failed';
        throw error;
      },
    );
    return { status: () => ({ ...status }), result };
  }

  predict(request: PredictRequest): Promise<Prediction> {
    return this.start(request).result;
  }

  async close(): Promise<void> {
    await this.model.close();
    await this.tokenizer.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private plan(request: PredictRequest) {
    const config = this.config;
    const warnings: string[] = [];
    const [latents, rows, cols] = config.grid;
    const samples = request.samples ?? 4;
    if (!(Number.isInteger(samples) && samples >= 1))
      throw invalid(`--samples must be a whole number, 1 or more, not ${samples}`, 'use --samples 4');
    const seed = request.seed ?? 0;
    if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
      throw invalid(`--seed must be a whole number from 0 to 2^32 - 1, not ${seed}`, 'use --seed 0');
    // The model's own recommendation (its manifest's config.drafts), else 4 drafts for one future (0.70 ->
    // 0.42 s for the shipped weights re-exported with every position's logits) and 2 for a batch, whose step
    // costs more per draft and advances by its shortest accepted run.
    const drafts = request.drafts ?? config.drafts ?? (samples === 1 ? 4 : 2);
    if (!(Number.isInteger(drafts) && drafts >= 0))
      throw invalid(
        `--drafts must be a whole number, 0 or more, not ${drafts}`,
        'use --drafts 4, or 0 for none',
      );
    const given = request.frames.length;
    const conditioning = latentsOf(config, given);
    if (given < 1 || framesOf(config, conditioning) !== given || conditioning >= latents)
      throw invalid(
        `${given} conditioning frames do not fill whole latent frames (1 + ${config.framesPerLatent}k, fewer than ${latents})`,
        `give 1 or ${1 + config.framesPerLatent} frames (--frames 1 or --frames ${1 + config.framesPerLatent})`,
      );
    const length = request.length ?? this.maxLength;
    if (!(Number.isInteger(length) && length > given && length <= this.maxLength))
      throw invalid(
        `--length must be a whole number from ${given + 1} to ${this.maxLength} (the frames this model makes, the ${given} conditioning frames included), not ${length}`,
        `use --length ${this.maxLength}, or a shorter one to stop early`,
      );
    const settings = this.settings(request, given);
    const prompt = request.prompt ?? '';
    if (prompt.trim() && !config.prompted)
      warnings.push(`model "${this.model.name}" was trained without prompts: the prompt was ignored`);
    const words = config.prompted ? promptTokens(config, prompt) : promptTokens(config, '');
    let features: Float32Array | undefined;
    if (request.actions) {
      const perFrame = checkActions(config, request.actions, length);
      if (config.actionConditioned) features = actionFeatures(config, perFrame);
      else warnings.push(`model "${this.model.name}" was trained without actions: the actions were ignored`);
    }
    // The manifest's guidance is for requests with actions (or a prompt) only: without, no warning for it.
    const guidance = features || request.actionGuidance !== undefined ? settings.actionGuidance : 0;
    if (guidance > 0 && !features)
      warnings.push(
        request.actions
          ? 'action guidance needs an action-conditioned model: it was ignored'
          : 'action guidance needs --actions: it was ignored',
      );
    // A prompt of no words (blank, or punctuation only) is the blank prompt: nothing to guide towards.
    const said = promptWords(prompt).length > 0;
    const promptGuidance = said || request.promptGuidance !== undefined ? settings.promptGuidance : 0;
    const prompted = config.prompted === true && said;
    if (promptGuidance > 0 && !prompted)
      warnings.push(
        config.prompted
          ? 'prompt guidance needs --prompt: it was ignored'
          : 'prompt guidance needs a prompted model: it was ignored',
      );
    else if (request.promptGuidanceFrames !== undefined && promptGuidance === 0)
      warnings.push('--prompt-guidance-frames limits prompt guidance, which is off: it was ignored');
    const frames = this.fit(request.frames, warnings);
    return {
      samples,
      seed,
      drafts,
      length,
      sampling: settings.sampling,
      keepUnchanged: settings.keepUnchanged,
      words,
      features,
      guidance: features ? guidance : 0,
      promptGuidance: prompted ? promptGuidance : 0,
      promptGuidanceFrames: settings.promptGuidanceFrames,
      blank: promptTokens(config, ''),
      frames,
      warnings,
      conditioning,
      generated: latentsOf(config, length) - conditioning,
      grid: rows * cols,
    };
  }

  /** Frames at the model's size: resized (with a warning) when they are not; refused when unusable. */
  private fit(frames: readonly TokenizerFrame[], warnings: string[]): TokenizerFrame[] {
    const [height, width] = this.config.size;
    const first = frames[0]!;
    for (const f of frames) {
      if (f.width < 1 || f.height < 1 || f.data.length !== f.width * f.height * 3)
        throw invalid(
          `a conditioning frame of ${f.width}x${f.height} holds ${f.data.length} bytes, not RGB (${f.width * f.height * 3})`,
          'pass 8-bit RGB frames (decode the input with pixelFormat rgb24)',
        );
      if (f.width !== first.width || f.height !== first.height)
        throw invalid(
          `the conditioning frames differ in size (${first.width}x${first.height} and ${f.width}x${f.height})`,
          'give frames of one video',
        );
    }
    if (first.width === width && first.height === height) return [...frames];
    const aspect =
      Math.abs(first.width / first.height - width / height) > 0.01 ? ', changing its aspect ratio' : '';
    warnings.push(
      `the input is ${first.width}x${first.height}; it was resized to ${width}x${height}, the size the model was trained at${aspect}`,
    );
    return frames.map((f) => {
      const resized = resizeBicubic(
        { width: f.width, height: f.height, channels: 3, data: f.data },
        width,
        height,
      );
      return { width, height, data: Uint8Array.from(resized.data) };
    });
  }

  private async run(
    plan: ReturnType<Predictor['plan']>,
    request: PredictRequest,
    status: PredictStatus,
  ): Promise<Prediction> {
    await Promise.resolve(); // let start() hand back the job before the work begins
    const started = performance.now();
    const { samples, grid, conditioning } = plan;
    const config = this.config;
    const [, rows, cols] = config.grid;
    const total = conditioning + plan.generated;
    const { data: video, dims } = toTensor(plan.frames);
    const encoded = this.tokenizer.tokens(await this.tokenizer.encode(video, dims)).data;
    // Every future's tokens, [samples, total, rows, cols]; the conditioning ones shared.
    const tokens = new Uint16Array(samples * total * grid);
    for (let b = 0; b < samples; b++) tokens.set(encoded, b * total * grid);
    const features = plan.features ? repeat(plan.features, samples) : undefined;
    // Guided: the same futures again for each condition taken away, in blocks of `samples` rows after the
    // futures as asked: without actions (zero features, as the model saw every clip but push), then with a
    // blank prompt (as the model saw a share of its batches).
    const prefill = [...plan.words, ...encoded];
    const blocks: { scale: number; features?: Float32Array; prefill: number[] }[] = [];
    if (features && plan.guidance > 0)
      blocks.push({ scale: plan.guidance, features: new Float32Array(features.length), prefill });
    if (plan.promptGuidance > 0)
      blocks.push({ scale: plan.promptGuidance, features, prefill: [...plan.blank, ...encoded] });
    const rowsOf = (p: number[]) => Array.from({ length: samples }, () => p).flat();
    let rollout: WorldModelRollout;
    let first: Float32Array;
    // How a row becomes digit logits: the model's head, mixed digit by digit where guided (digits.ts).
    const plain = this.model.head ?? independentDigits(config.levels);
    const scales = blocks.map((b) => b.scale);
    if (blocks.length) {
      // Every block has features where the futures do: theirs, or zeros.
      const all = features && concat([features, ...blocks.map((b) => b.features!)]);
      const guided = new GuidedRollout(
        this.model.rollout((1 + blocks.length) * samples, all),
        scales,
        plain.width,
      );
      rollout = guided;
      first = await guided.step(
        rowsOf(prefill),
        blocks.map((b) => rowsOf(b.prefill)),
      );
    } else {
      rollout = this.model.rollout(samples, features);
      first = await rollout.step(rowsOf(prefill));
    }
    const head = blocks.length ? guidedDigits(plain, scales) : plain;
    const width = head.width;
    // Row b's token at generated position `at` from logits[from ..]: a function of the logits and the position
    // alone (each position has its own uniform numbers), so a token drawn twice from the same prefix is the same.
    // Prompt guidance over the first promptGuidanceFrames generated latent frames only: positions from `until`
    // on are drawn with its scale 0 (its block is always the last), and its rows are dropped at the first step
    // past them (a speculative step may draw a little past `until` before; those draws use `late` too).
    const until =
      plan.promptGuidance > 0 && plan.promptGuidanceFrames > 0
        ? plan.promptGuidanceFrames * grid
        : Number.POSITIVE_INFINITY;
    const late = guidedDigits(plain, [...scales.slice(0, -1), 0]);
    const draw = (logits: Float32Array, from: number, b: number, at: number) =>
      drawToken(logits, from, config.levels, plan.sampling, plan.seed, b, at, at >= until ? late : head);
    const futures: TokenizerFrame[][] = Array.from({ length: samples }, () => []);
    const drafts = plan.drafts;
    const speculative = drafts > 0 && rollout.stepAll !== undefined && rollout.truncate !== undefined;
    // Positions (latent frame t, place i) are generated in order; `done` counts those of the generated frames.
    let done = 0;
    let steps = 1; // model calls, the prefill included
    // Drawn from the input where the model kept a patch's token (keep.ts), before frames are streamed.
    const keep = plan.keepUnchanged
      ? unchangedKeeper(config, plan.frames, plan.conditioning, tokens, total)
      : undefined;
    const frameDone = async (t: number) => {
      // The decoder is causal: decoding every latent frame so far leaves the earlier frames as they were.
      // Streaming costs that repeated work (1 + 2 + ... latent frames decoded instead of one pass), so
      // without a listener the whole future is decoded once, at the end.
      if (!request.onFrames && t < total - 1) return;
      const upTo = t + 1;
      const decoded = await this.tokenizer.decodeClips(
        this.tokenizer.fromTokens({
          data: sliceLatents(tokens, samples, total, upTo, grid),
          dims: [samples, upTo, rows, cols],
        }),
      );
      const from = futures[0]!.length;
      const to = Math.min(plan.length, framesOf(config, upTo));
      const chunk = decoded.map((clip) => clip.slice(from, to));
      chunk.forEach((frames, b) => {
        keep?.(frames, from, b);
        futures[b]!.push(...frames);
      });
      status.framesDone = to;
      request.onFrames?.({ start: from, frames: chunk });
    };
    const put = (row: number, at: number, token: number): void => {
      tokens[(row * total + conditioning) * grid + at] = token;
    };
    const generated = plan.generated * grid;
    // Speculative drafts: for each row and position ahead, the token drawn there by the last step that reached
    // it, from a prefix that held drafts not all of which were kept (-1: none yet). Where the prefix's changes
    // are far away, that draw stands, as in Jacobi decoding; else the draft is the token at the same place one
    // latent frame earlier, which is what most tokens of a still scene are.
    const guesses = new Int32Array(samples * generated).fill(-1);
    const draftOf = (b: number, at: number) => {
      const guess = guesses[b * generated + at]!;
      return guess >= 0 ? guess : tokens[(b * total + conditioning) * grid + at - grid]!;
    };
    // Each row's token at position `done`, drawn but not fed yet.
    let next = Array.from({ length: samples }, (_, b) => draw(first, b * width, b, 0));
    let guiding = until < generated;
    while (done < generated) {
      if (request.signal?.aborted)
        throw new OrbisError('ABORTED', 'the prediction was cancelled', { cause: request.signal.reason });
      if (guiding && done >= until) {
        (rollout as GuidedRollout).release(1);
        guiding = false;
      }
      for (const [b, token] of next.entries()) put(b, done, token);
      if (!speculative || done + 1 === generated) {
        done++;
        status.tokensDone++;
        if (done % grid === 0) await frameDone(conditioning + done / grid - 1);
        if (done < generated) {
          const logits = await rollout.step(next);
          steps++;
          next = next.map((_, b) => draw(logits, b * width, b, done));
        }
        continue;
      }
      // Feed each row's token and k drafts after it; the logits after the j-th fed token give position done + j.
      const k = Math.min(drafts, generated - done - 1);
      const feed = next.flatMap((token, b) => [
        token,
        ...Array.from({ length: k }, (_, j) => draftOf(b, done + j + 1)),
      ]);
      const base = rollout.length;
      const all = await rollout.stepAll!(feed);
      steps++;
      const drawn = next.map((_, b) =>
        Array.from({ length: k + 1 }, (_, j) =>
          done + j + 1 < generated ? draw(all, (b * (k + 1) + j) * width, b, done + j + 1) : -1,
        ),
      );
      // A row's drafts hold up to the first that differs from the token drawn after the ones before it: the
      // token drawn there is then the right one (its prefix was). The batch moves on by the shortest run m.
      const runs = drawn.map((row, b) => {
        let run = 0;
        while (run < k && row[run] === draftOf(b, done + run + 1)) run++;
        return run;
      });
      const m = Math.min(...runs);
      for (let j = 1; j <= m; j++) for (let b = 0; b < samples; b++) put(b, done + j, drawn[b]![j - 1]!);
      rollout.truncate!(base + 1 + m); // the other fed tokens' keys and values are written over later
      // The draws past position done + m + 1 become the next drafts there (exact for rows whose run was longer).
      if (request.jacobi !== false)
        for (let b = 0; b < samples; b++)
          for (let j = m + 1; j <= k && done + j + 1 < generated; j++)
            guesses[b * generated + done + j + 1] = drawn[b]![j]!;
      const before = done;
      done += 1 + m;
      if (done < generated) next = drawn.map((row) => row[m]!);
      status.tokensDone += done - before;
      for (let f = Math.floor(before / grid) + 1; f <= Math.floor(done / grid); f++)
        await frameDone(conditioning + f - 1);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      model: { name: this.model.name, version: this.model.version },
      futures,
      tokens: { data: tokens, dims: [samples, total, rows, cols] },
      conditioningFrames: plan.frames.length,
      warnings: plan.warnings,
      seconds,
      tokensPerSecond: (samples * plan.generated * grid) / seconds,
      steps,
    };
  }
}

/**
 * The prompt guidance a request that names none gets with `frames` conditioning frames: the scale of the
 * manifest's promptGuidanceFromFrames pair with the most frames at or below `frames`, else its
 * promptGuidance, else 0.
 */
export function defaultPromptGuidance(config: WorldModelConfig, frames: number): number {
  const from = (config.promptGuidanceFromFrames ?? []).filter(([f]) => f <= frames).at(-1);
  return from ? from[1] : (config.promptGuidance ?? 0);
}

/** Parse per-frame actions: exactly `length` rows of `actionDim` finite numbers. */
export function checkActions(config: WorldModelConfig, actions: unknown, length: number): Float32Array {
  const d = config.actionDim;
  const hint = `give a JSON array of ${length} rows of ${d} numbers (one action per video frame: dx, dy, dz, droll, dpitch, dyaw, gripper)`;
  if (!Array.isArray(actions)) throw invalid('the actions are not an array of rows', hint);
  if (actions.length !== length)
    throw invalid(
      `the actions have ${actions.length} rows; a future of ${length} frames needs ${length}, one per frame`,
      hint,
    );
  const out = new Float32Array(length * d);
  actions.forEach((row: unknown, f) => {
    if (
      !Array.isArray(row) ||
      row.length !== d ||
      !row.every((v) => typeof v === 'number' && Number.isFinite(v))
    )
      throw invalid(`action row ${f} is not ${d} finite numbers`, hint);
    out.set(row as number[], f * d);
  });
  return out;
}

function checkPair(config: WorldModelConfig, tokenizer: VideoTokenizer): void {
  const [, rows, cols] = config.grid;
  const [height, width] = config.size;
  const s = tokenizer.spatialFactor;
  if (
    !tokenizer.fsq ||
    tokenizer.timeFactor !== config.framesPerLatent ||
    height / s !== rows ||
    width / s !== cols ||
    tokenizer.fsq.levels.join() !== config.levels.join()
  )
    throw new OrbisError(
      'MODEL_MANIFEST_MISMATCH',
      `the world model's grid ${config.grid.join('x')} at ${width}x${height} does not fit tokenizer "${tokenizer.model.manifest.name}"`,
      { hint: 'config.tokenizer must name the tokenizer the world model was trained on' },
    );
}

function repeat(values: Float32Array, times: number): Float32Array {
  return concat(Array.from({ length: times }, () => values));
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first `upTo` latent frames of each future in [samples, total, grid]. */
function sliceLatents(tokens: Uint16Array, samples: number, total: number, upTo: number, grid: number) {
  const out = new Uint16Array(samples * upTo * grid);
  for (let b = 0; b < samples; b++)
    out.set(tokens.subarray(b * total * grid, (b * total + upTo) * grid), b * upTo * grid);
  return out;
}

const invalid = (message: string, hint: string) => new OrbisError('INVALID_ARGUMENT', message, { hint });
