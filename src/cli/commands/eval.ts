import { join } from 'node:path';
import { OrbisError, rgbFrame } from '../../core/index.js';
import {
  type ActionCase,
  actionTable,
  DreamSim,
  type FrameScores,
  type Image,
  type Intrinsics,
  imageFromFrame,
  type LoadedPredictor,
  Lpips,
  loadPhysicsPredictor,
  type Metric,
  MSSSIM,
  mean,
  multiverseLines,
  outlineObjects,
  PHYSICS_PROTOCOL,
  type PhysicsCase,
  PSNR,
  physicsTable,
  type RgbFrame,
  runActionEval,
  runPhysicsEval,
  SSIM,
  type TwoViewResult,
  trackedObjects,
  twoViewGeometry,
} from '../../eval/index.js';
import {
  captionPrompt,
  type GenerationRequest,
  type GenerationSettings,
  Predictor,
  type SamplingOptions,
  WORLD_MODEL_FAMILY,
} from '../../predict/index.js';
import type { InstalledModel } from '../../runtime/index.js';
import {
  captionFor,
  EVAL_SEED_BASE,
  findScenario,
  makeLook,
  type PushPolicy,
  readFacts,
  renderView,
  SCENARIOS,
  simulate,
  worldViews,
} from '../../sim/index.js';
import { decodeFrames, encodeClip, probe } from '../../video/index.js';
import { parseNumber, parseSampling, parseSize, usage } from '../args.js';
import type { CliContext } from '../context.js';
import { makeOutputDir } from './frames.js';
import { storeOf } from './models.js';
import { parseGuidance, parseGuidanceFrames, sideBySide } from './predict.js';
import { loadTokenizer } from './tokenize.js';

const METRICS: Record<string, () => Metric<Image, FrameScores>> = {
  psnr: () => new PSNR({ maxDb: 100 }),
  ssim: () => new SSIM(),
  'ms-ssim': () => new MSSSIM(),
};
/** Learned metrics run a user-supplied ONNX export (see src/eval/learned.ts). */
const LEARNED = {
  lpips: (modelDir: string | undefined) => Lpips.load(modelDir ? { modelDir } : {}),
  dreamsim: (modelDir: string | undefined) => DreamSim.load(modelDir ? { modelDir } : {}),
} as const;
type LearnedName = keyof typeof LEARNED;
const isLearned = (name: string): name is LearnedName => name in LEARNED;

interface CompareOptions {
  metrics: string;
  resize?: boolean;
  align?: boolean;
  perFrame?: boolean;
  modelDir?: string;
}

/** Score a predicted video against a target, frame by frame. */
export async function evalCompareCommand(
  ctx: CliContext,
  pred: string,
  target: string,
  options: CompareOptions,
): Promise<number> {
  const names = options.metrics
    .split(',')
    .map((m) => m.trim().toLowerCase())
    .filter(Boolean);
  const known = [...Object.keys(METRICS), ...Object.keys(LEARNED)].join(', ');
  for (const name of names) {
    if (!METRICS[name] && !isLearned(name))
      throw usage(`unknown metric "${name}" in --metrics`, `choose from ${known}`);
  }
  if (names.length === 0) throw usage('--metrics names no metric', `choose from ${known}`);
  const [pi, ti] = await Promise.all([
    probe(pred, { signal: ctx.signal }),
    probe(target, { signal: ctx.signal }),
  ]);
  const sameSize = pi.video.width === ti.video.width && pi.video.height === ti.video.height;
  if (!sameSize && !options.resize) {
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `the videos differ in size: ${pi.video.width}x${pi.video.height} vs ${ti.video.width}x${ti.video.height}`,
      {
        hint: 'add --resize to scale the prediction to the target size',
      },
    );
  }
  if (!options.align) {
    if (pi.video.frameCount !== ti.video.frameCount) {
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `the videos differ in length: ${pi.video.frameCount} vs ${ti.video.frameCount} frames`,
        {
          hint: 'add --align to compare frame by frame up to the shorter one',
        },
      );
    }
    if (Math.abs(pi.video.fps - ti.video.fps) > 1e-3) {
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `the videos differ in frame rate: ${pi.video.fps} vs ${ti.video.fps} fps`,
        {
          hint: 'add --align to compare the n-th frames regardless of timing',
        },
      );
    }
  }
  const metrics = names.filter((n) => METRICS[n]).map((n) => METRICS[n]!());
  const learned = await Promise.all(
    names
      .filter(isLearned)
      .map(async (n) => ({ name: n, model: await LEARNED[n](options.modelDir), values: [] as number[] })),
  );
  const size = { width: ti.video.width, height: ti.video.height };
  const a = decodeFrames(pred, { info: pi, signal: ctx.signal, ...(sameSize ? {} : size) });
  const b = decodeFrames(target, { info: ti, signal: ctx.signal });
  const task = ctx.progress.task('compare', Math.min(pi.video.frameCount, ti.video.frameCount));
  let frames = 0;
  try {
    for (;;) {
      const [x, y] = await Promise.all([a.next(), b.next()]);
      if (x.done || y.done) break;
      const [p, t] = [imageFromFrame(x.value), imageFromFrame(y.value)];
      for (const m of metrics) m.update(p, t);
      for (const l of learned) l.values.push(await l.model.distance(p, t));
      frames++;
      task.tick();
    }
  } finally {
    await Promise.all([a.return(undefined), b.return(undefined), ...learned.map((l) => l.model.close())]);
  }
  task.done();
  if (frames === 0)
    throw new OrbisError('INVALID_ARGUMENT', 'no frames to compare: one of the videos decoded to nothing');
  const results: Record<string, FrameScores> = Object.fromEntries(metrics.map((m) => [m.name, m.compute()]));
  for (const l of learned) results[l.name] = { mean: mean(l.values), perFrame: l.values };
  const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.mean]));
  ctx.result(
    [
      `${frames} frames compared (${size.width}x${size.height})`,
      ...Object.entries(summary).map(
        ([k, v]) => `  ${k.padEnd(8)} ${k === 'psnr' ? `${v.toFixed(2)} dB` : v.toFixed(4)}`,
      ),
    ],
    { pred, target, frames, metrics: options.perFrame ? results : summary },
  );
  return 0;
}

interface GeometryOptions {
  intrinsics?: string;
  stride: string;
  maxPairs?: string;
  size: string;
}

/** Sampson error and pose-estimation success over a video's frame pairs (static-scene 3D consistency). */
export async function evalGeometryCommand(
  ctx: CliContext,
  video: string,
  options: GeometryOptions,
): Promise<number> {
  const stride = parseNumber('--stride', options.stride, { min: 1, max: 1000, integer: true });
  const maxPairs =
    options.maxPairs === undefined
      ? Infinity
      : parseNumber('--max-pairs', options.maxPairs, { min: 1, integer: true });
  const size = parseSize('--size', options.size);
  const info = await probe(video, { signal: ctx.signal });
  const width = size.width ?? Math.round(((size.height ?? 540) * info.video.width) / info.video.height);
  const height = size.height ?? Math.round((width * info.video.height) / info.video.width);
  let intrinsics: Intrinsics | undefined;
  if (options.intrinsics) {
    const parts = options.intrinsics.split(',').map((p) => parseNumber('--intrinsics', p, { min: 0 }));
    if (parts.length !== 4) throw usage('--intrinsics must be fx,fy,cx,cy in pixels of the video');
    const [fx, fy, cx, cy] = parts as [number, number, number, number];
    const sx = width / info.video.width;
    const sy = height / info.video.height;
    intrinsics = { fx: fx * sx, fy: fy * sy, cx: cx * sx, cy: cy * sy };
  }
  const window: { index: number; image: { width: number; height: number; data: Uint8Array } }[] = [];
  const pairs: (TwoViewResult & { a: number; b: number })[] = [];
  const task = ctx.progress.task('geometry', Math.min(maxPairs, Math.max(0, info.video.frameCount - stride)));
  for await (const frame of decodeFrames(video, {
    info,
    width,
    height,
    pixelFormat: 'gray',
    signal: ctx.signal,
  })) {
    window.push({ index: frame.index, image: { width, height, data: frame.data } });
    if (window.length > stride) {
      const first = window.shift()!;
      const result = twoViewGeometry(first.image, frame, intrinsics ? { intrinsics } : {});
      pairs.push({ a: first.index, b: frame.index, ...result });
      task.tick();
      if (pairs.length >= maxPairs) break;
    }
  }
  task.done();
  if (pairs.length === 0) throw usage(`${video} has too few frames for pairs ${stride} apart`);
  const ok = pairs.filter((p) => p.success);
  const sampson = ok.length ? ok.reduce((s, p) => s + p.sampsonError, 0) / ok.length : Number.NaN;
  const successRate = ok.length / pairs.length;
  ctx.result(
    [
      `${pairs.length} frame pairs (${stride} apart) at ${width}x${height}${intrinsics ? '' : ', intrinsics guessed (60 degree view)'}`,
      `  pose success   ${(100 * successRate).toFixed(1)}%`,
      `  Sampson error  ${Number.isNaN(sampson) ? 'n/a' : sampson.toFixed(3)} px (at 960x540, over successful pairs)`,
    ],
    {
      video,
      pairs: pairs.length,
      successRate,
      sampsonError: sampson,
      perPair: pairs.map(({ pose, ...p }) => ({ ...p, rotation: pose?.r, translation: pose?.t })),
    },
  );
  return 0;
}

interface PhysicsOptions {
  model: string;
  frames: string;
  seeds: string;
  samples: string;
  scenarios?: string;
  views?: string;
  multiverse?: boolean;
  save?: string;
  seedOffset: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  promptGuidance?: string;
  promptGuidanceFrames?: string;
  keepUnchanged?: boolean;
}

/** The held-out clips of the physics suite, rendered in memory: each scenario x seed x view. */
export async function* physicsClips(
  scenarios: readonly string[],
  seeds: number,
  views: readonly number[],
  offset = 0,
) {
  const { width, height, frames, fps } = PHYSICS_PROTOCOL;
  const n = width * height;
  for (const name of scenarios) {
    for (let s = offset; s < offset + seeds; s++) {
      const seed = EVAL_SEED_BASE + s;
      const world = findScenario(name)!.generate(seed, { frames, fps });
      const rollout = await simulate(world, frames, fps);
      const look = makeLook(world, 0);
      const caption = captionFor(rollout, look, readFacts(rollout));
      const objects = world.bodies.filter((b) => b.motion !== 'fixed' && !b.furniture).map((b) => b.id);
      const cameras = worldViews(world, width, height);
      for (const view of views) {
        const video = renderView(rollout, look, cameras[view]!);
        const clip: PhysicsCase = {
          scenario: name,
          seed,
          view,
          caption,
          objects,
          frames: Array.from({ length: frames }, (_, f) => ({
            width,
            height,
            data: video.rgb.slice(3 * n * f, 3 * n * (f + 1)),
          })),
          masks: Array.from({ length: frames }, (_, f) => video.mask.slice(n * f, n * (f + 1))),
          ...(world.effector ? { actions: world.effector.actions } : {}),
        };
        yield clip;
      }
    }
  }
}

/**
 * Physics alignment of a predictor (a baseline, or a world model registered with
 * registerPhysicsPredictor) on the held-out physics suite.
 */
export async function evalPhysicsCommand(ctx: CliContext, options: PhysicsOptions): Promise<number> {
  const conditioningFrames = parseConditioning(options.frames);
  const seeds = parseNumber('--seeds', options.seeds, { min: 1, max: 1000, integer: true });
  const samples = parseNumber('--samples', options.samples, { min: 1, max: 64, integer: true });
  const suite = SCENARIOS.filter((s) => s.physicsSuite).map((s) => s.name);
  const scenarios = options.scenarios ? options.scenarios.split(',').map((s) => s.trim()) : suite;
  for (const s of scenarios)
    if (!suite.includes(s))
      throw usage(`"${s}" is not a physics-suite scenario`, `choose from ${suite.join(', ')}`);
  const views = options.views
    ? options.views.split(',').map((v) => parseNumber('--views', v, { min: 0, max: 3, integer: true }))
    : [0, 1, 2, 3];
  if (options.multiverse && samples < 2) throw usage('--multiverse needs --samples 2 or more');
  const offset = parseNumber('--seed-offset', options.seedOffset, { min: 0, max: 100_000, integer: true });
  const generation = {
    sampling: parseSampling(options),
    promptGuidance: parseGuidance('--prompt-guidance', options.promptGuidance),
    promptGuidanceFrames: parseGuidanceFrames(options.promptGuidanceFrames),
    keepUnchanged: options.keepUnchanged,
  };
  return withPredictor(ctx, options.model, generation, conditioningFrames, async (predictor) => {
    const task = ctx.progress.task('physics', scenarios.length * seeds * views.length);
    const save = options.save;
    if (save) await makeOutputDir(save, '--save');
    const report = await runPhysicsEval(predictor, physicsClips(scenarios, seeds, views, offset), {
      conditioningFrames,
      samples,
      onCase: () => task.tick(),
      ...(save
        ? { onFutures: (clip, videos, masks) => saveFutures(save, clip, videos, masks, conditioningFrames) }
        : {}),
    });
    task.done();
    const lines = options.multiverse ? multiverseLines(report) : physicsTable(report);
    if (save)
      lines.push(
        `videos: ${save}/<scenario>-seed<seed>-view<view>.mp4, the truth then each distinct future; outlined: the truth's object masks (green), the tracker's (magenta)`,
      );
    ctx.result(lines, report);
    return report.errors.length ? 1 : 0;
  });
}

const TRUTH_OUTLINE = [0, 255, 0] as const;
const TRACKED_OUTLINE = [255, 0, 255] as const;

/**
 * One clip's truth and distinct futures side by side as MP4, the scored objects outlined: on the truth and on
 * every conditioning frame the ground-truth masks, on the predicted frames the tracker's, as the IoU saw them.
 */
async function saveFutures(
  dir: string,
  clip: PhysicsCase,
  videos: readonly RgbFrame[][],
  masks: readonly Uint8Array[][],
  conditioningFrames: number,
): Promise<void> {
  const objects = trackedObjects(clip, conditioningFrames);
  const distinct = [...new Set(videos)];
  const outlined = (video: readonly RgbFrame[], own: readonly Uint8Array[] | undefined) =>
    video.map((frame, f) =>
      f < conditioningFrames || !own
        ? outlineObjects(frame, clip.masks[f]!, objects, TRUTH_OUTLINE)
        : outlineObjects(frame, own[f - conditioningFrames]!, objects, TRACKED_OUTLINE),
    );
  const columns = [
    outlined(clip.frames, undefined),
    ...distinct.map((v) => outlined(v, masks[videos.indexOf(v)])),
  ];
  const fps = PHYSICS_PROTOCOL.fps;
  const path = join(dir, `${clip.scenario}-seed${clip.seed}-view${clip.view}.mp4`);
  await encodeClip(
    clip.frames.map((_, f) => rgbFrame(sideBySide(columns.map((c) => c[f]!)), f, fps)),
    path,
    { inputFps: fps, crf: 18 },
  );
}

const parseConditioning = (frames: string): number => {
  const n = Number(frames);
  if (!PHYSICS_PROTOCOL.conditioning.includes(n))
    throw usage(`--frames must be 1 or 9 (the protocol's conditioning), not "${frames}"`);
  return n;
};

/** Runs `work` with the named predictor loaded, and releases it whatever happens. */
async function withPredictor<T>(
  ctx: CliContext,
  model: string,
  generation: Generation,
  conditioningFrames: number,
  work: (predictor: LoadedPredictor) => Promise<T>,
): Promise<T> {
  const predictor = await loadPredictor(ctx, model, generation, conditioningFrames);
  try {
    return await work(predictor);
  } finally {
    await predictor.close?.();
  }
}

/** The installed model of that name, if there is one. */
async function installedModel(ctx: CliContext, name: string): Promise<InstalledModel | undefined> {
  return (await storeOf(ctx).list()).models.find((m) => m.manifest.name === name);
}

/** The tokenizer an installed world model generates in; undefined for anything else. */
async function worldModelTokenizer(ctx: CliContext, model: string): Promise<string | undefined> {
  const installed = await installedModel(ctx, model);
  if (installed?.manifest.family !== WORLD_MODEL_FAMILY) return undefined;
  const name = (installed.manifest.config as { tokenizer?: unknown } | undefined)?.tokenizer;
  return typeof name === 'string' ? name : undefined;
}

/** How a world model samples, as the command line asked (each left out takes the model's own). */
export type Generation = GenerationRequest & { sampling: SamplingOptions };

/** A baseline or registered predictor by name, or an installed world model (sampled as asked). */
async function loadPredictor(
  ctx: CliContext,
  model: string,
  generation: Generation,
  conditioningFrames: number,
): Promise<LoadedPredictor> {
  const installed = await installedModel(ctx, model);
  if (installed?.manifest.family === WORLD_MODEL_FAMILY)
    return worldModelPredictor(ctx, model, generation, conditioningFrames);
  if (Object.keys(generation.sampling).length)
    throw usage(`--temperature, --top-k and --top-p are for world models; "${model}" does not sample`);
  if (generation.actionGuidance !== undefined)
    throw usage(`--action-guidance is for world models; "${model}" does not take actions`);
  if (generation.promptGuidance !== undefined || generation.promptGuidanceFrames !== undefined)
    throw usage(`--prompt-guidance is for world models; "${model}" does not take a prompt`);
  if (generation.keepUnchanged !== undefined)
    throw usage(`--keep-unchanged is for world models; "${model}" does not generate tokens`);
  return loadPhysicsPredictor(model, {
    loadTokenizer: async (name) => {
      const tokenizer = await loadTokenizer(ctx, name);
      return { roundTrip: (frames) => tokenizer.roundTrip(frames), close: () => tokenizer.close() };
    },
  });
}

/** Renders one view of a push world: frames and instance masks at the protocol's size. */
function renderPush(
  world: ReturnType<typeof pushWorld>,
  rollout: Awaited<ReturnType<typeof simulate>>,
  view: number,
) {
  const { width, height, frames } = PHYSICS_PROTOCOL;
  const n = width * height;
  const video = renderView(rollout, makeLook(world, 0), worldViews(world, width, height)[view]!);
  return {
    frames: Array.from({ length: frames }, (_, f) => ({
      width,
      height,
      data: video.rgb.slice(3 * n * f, 3 * n * (f + 1)),
    })),
    masks: Array.from({ length: frames }, (_, f) => video.mask.slice(n * f, n * (f + 1))),
  };
}

function pushWorld(seed: number, policy: PushPolicy) {
  const options = { frames: PHYSICS_PROTOCOL.frames, fps: PHYSICS_PROTOCOL.fps, policy };
  return findScenario('push')!.generate(seed, options);
}

/**
 * Push-scenario starts under two action sequences: the scripted policy's push and the random policy's walk
 * from the same seed (the same table, objects and gripper start), the second taking the first's actions for
 * the conditioning frames so that both share them. The prompt is the scripted rollout's caption, for both.
 */
export async function* actionCases(seeds: number, view: number, conditioningFrames: number, offset = 0) {
  const { frames, fps } = PHYSICS_PROTOCOL;
  for (let s = offset; s < offset + seeds; s++) {
    const seed = EVAL_SEED_BASE + s;
    const a = pushWorld(seed, 'scripted');
    const b = pushWorld(seed, 'random');
    const actionsA = a.effector!.actions;
    const actionsB = b.effector!.actions;
    actionsB.set(actionsA.subarray(0, conditioningFrames * 7));
    const [ra, rb] = [await simulate(a, frames, fps), await simulate(b, frames, fps)];
    const effector = [a.effector!.palm, ...a.effector!.fingers];
    const item: ActionCase = {
      scenario: 'push',
      seed,
      view,
      caption: captionFor(ra, makeLook(a, 0), readFacts(ra)),
      sequences: [
        { name: 'scripted', actions: actionsA, ...renderPush(a, ra, view) },
        { name: 'random', actions: actionsB, ...renderPush(b, rb, view) },
      ],
      effector,
      objects: a.bodies.filter((x) => x.motion === 'dynamic' && !x.furniture).map((x) => x.id),
    };
    yield item;
  }
}

interface ActionOptions {
  model: string;
  frames: string;
  seeds: string;
  samples: string;
  view: string;
  seedOffset: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  actionGuidance?: string;
  promptGuidance?: string;
  promptGuidanceFrames?: string;
}

/** Action following in the push scenario: one start, two action sequences, the futures under each. */
export async function evalActionsCommand(ctx: CliContext, options: ActionOptions): Promise<number> {
  const conditioningFrames = parseConditioning(options.frames);
  const seeds = parseNumber('--seeds', options.seeds, { min: 1, max: 1000, integer: true });
  const samples = parseNumber('--samples', options.samples, { min: 1, max: 64, integer: true });
  const view = parseNumber('--view', options.view, { min: 0, max: 3, integer: true });
  const offset = parseNumber('--seed-offset', options.seedOffset, { min: 0, max: 100_000, integer: true });
  const tokenizer = await worldModelTokenizer(ctx, options.model);
  const generation = {
    sampling: parseSampling(options),
    actionGuidance: parseGuidance('--action-guidance', options.actionGuidance),
    promptGuidance: parseGuidance('--prompt-guidance', options.promptGuidance),
    promptGuidanceFrames: parseGuidanceFrames(options.promptGuidanceFrames),
  };
  return withPredictor(ctx, options.model, generation, conditioningFrames, async (predictor) => {
    const task = ctx.progress.task('actions', seeds * (tokenizer ? 2 : 1));
    const run = (p: LoadedPredictor) =>
      runActionEval(p, actionCases(seeds, view, conditioningFrames, offset), {
        conditioningFrames,
        samples,
        onCase: () => task.tick(),
      });
    const report = await run(predictor);
    if (tokenizer) {
      // A world model cannot show more than its tokens keep of the effector and the objects: measure that too.
      const ceiling = await withPredictor(
        ctx,
        `tokenizer:${tokenizer}`,
        { sampling: {} },
        conditioningFrames,
        (p) => run(p),
      );
      report.tokenSpace = { tokenizer, mean: ceiling.mean };
    }
    task.done();
    ctx.result(actionTable(report), report);
    return report.errors.length ? 1 : 0;
  });
}

/** An installed world model as a physics predictor: the caption as prompt, futures drawn per sampling seed. */
export async function worldModelPredictor(
  ctx: CliContext,
  name: string,
  asked: Generation = { sampling: {} },
  conditioningFrames = 1,
): Promise<LoadedPredictor> {
  const predictor = await Predictor.load(storeOf(ctx), name, { threads: ctx.config.threads });
  const words = predictor.config.promptLength;
  // What every clip's request generates with: said once, in the note, the way the predictor resolves it. A
  // bad value is refused here, before any clip, and the model is closed.
  let used: GenerationSettings;
  try {
    used = predictor.settings(asked, conditioningFrames);
  } catch (error) {
    await predictor.close();
    throw error;
  }
  const { temperature, topK, topP } = used.sampling;
  const cut = `${topK ? `, top-k ${topK}` : ''}${topP < 1 ? `, top-p ${topP}` : ''}`;
  const guided = [
    used.actionGuidance ? `, action guidance ${used.actionGuidance} where actions are given` : '',
    used.promptGuidance
      ? `, prompt guidance ${used.promptGuidance}${used.promptGuidanceFrames ? ` over the first ${used.promptGuidanceFrames} generated latent frame(s)` : ''}`
      : '',
    used.keepUnchanged ? ', the patches it kept drawn from the input' : '',
  ].join('');
  return {
    name,
    note: `${name}: the caption's first ${words} words as prompt, temperature ${temperature}${cut}${guided}, one batch of futures per clip`,
    predict: async (input) => {
      const job = predictor.start({
        ...asked,
        frames: input.frames,
        prompt: captionPrompt(input.caption, words),
        samples: input.samples,
        seed: input.seed,
        ...(input.actions ? { actions: toRows(input.actions, predictor.config.actionDim) } : {}),
      });
      return (await job.result).futures;
    },
    close: () => predictor.close(),
  };
}

const toRows = (flat: Float32Array, width: number): number[][] =>
  Array.from({ length: flat.length / width }, (_, i) =>
    Array.from(flat.subarray(i * width, (i + 1) * width)),
  );
