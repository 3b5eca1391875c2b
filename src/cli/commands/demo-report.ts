import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { rgbFrame } from '../../core/index.js';
import {
  copyLastPredictor,
  type LoadedPredictor,
  PHYSICS_PROTOCOL,
  type PhysicsCase,
  type PhysicsReport,
  type RgbFrame,
  runPhysicsEval,
} from '../../eval/index.js';
import { captionPrompt, WORLD_MODEL_FAMILY } from '../../predict/index.js';
import type { InstalledModel, ModelStore } from '../../runtime/index.js';
import { usage } from '../args.js';
import type { CliContext } from '../context.js';
import { physicsClips, worldModelPredictor } from './eval.js';
import { storeOf } from './models.js';
import { sideBySide } from './predict.js';

/** The held-out world the demo predicts: an eval-split seed of the physics suite, view 0, 1 frame given. */
export const DEMO_WORLD = { scenario: 'unstable-stack', view: 0, conditioningFrames: 1, samples: 4 } as const;
const FPS = PHYSICS_PROTOCOL.fps;

export const NO_WORLD_MODEL_LINE =
  'no world model installed, so no future was predicted (train one: training/world/README.md; see orbis models list)';

/** Scores of one video against the truth, as the physics evaluation computes them. */
export interface VideoScores {
  psnr: number;
  ssim: number;
  iou: number;
}

export interface DemoPredictSummary {
  model: string;
  version: string;
  metrics: Record<string, number>;
  scenario: string;
  seed: number;
  view: number;
  caption: string;
  prompt: string;
  /** How the futures were drawn (the predictor's note: prompt, sampling, batch). */
  sampling: string;
  futures: (VideoScores & { video: string })[];
  copyLast: VideoScores & { video: string };
  /** The tracker's IoU on the true future: the most IoU any prediction can reach here. */
  trackerIou: number;
  spread: { pairPsnr: number; pairIou: number };
  truth: string;
  grid: string;
  report: string;
  note: string;
}

/**
 * The installed world model named `name`, or the first one installed; undefined when none is. A name that
 * is not an installed world model is a usage error (checked before the demo's long steps).
 */
export async function findWorldModel(
  ctx: CliContext,
  name?: string,
  store: ModelStore = storeOf(ctx),
): Promise<InstalledModel | undefined> {
  const { models } = await store.list();
  const worlds = models.filter((m) => m.manifest.family === WORLD_MODEL_FAMILY);
  if (name === undefined) return worlds[0];
  const model = worlds.find((m) => m.manifest.name === name);
  if (!model)
    throw usage(
      `--world-model ${name} is not an installed world model`,
      worlds.length
        ? `installed: ${worlds.map((m) => m.manifest.name).join(', ')}`
        : 'none is installed: see training/world/README.md',
    );
  return model;
}

/** A predictor that keeps the videos it returned (the scoring is runPhysicsEval's own). */
function keeping(predictor: LoadedPredictor): { predictor: LoadedPredictor; videos: RgbFrame[][] } {
  const videos: RgbFrame[][] = [];
  return {
    videos,
    predictor: {
      ...predictor,
      predict: async (input) => {
        const out = await predictor.predict(input);
        videos.push(...out);
        return out;
      },
    },
  };
}

async function oneCase(predictor: LoadedPredictor, clip: PhysicsCase, samples: number) {
  const kept = keeping(predictor);
  const report: PhysicsReport = await runPhysicsEval(kept.predictor, [clip], {
    conditioningFrames: DEMO_WORLD.conditioningFrames,
    samples,
  });
  const result = report.cases[0];
  if (!result) throw new Error(`${predictor.name} failed on the held-out world: ${report.errors[0]?.error}`);
  return { result, videos: kept.videos };
}

/**
 * The demo's last step: predict futures of one held-out world with an installed world model, score each
 * against the simulator's truth as `orbis eval physics` does (PSNR, SSIM, tracked IoU), score copy-last
 * beside them, and write `<out>/report.html` with the true future and the generated ones as MP4s. Without
 * a world model it writes nothing and says so.
 */
export async function predictHeldOutWorld(
  ctx: CliContext,
  out: string,
  /** `store`: where to look for the world model (default: the configured one, shipped models/ first). */
  options: { worldModel?: string; store?: ModelStore } = {},
): Promise<{ line: string; summary?: DemoPredictSummary }> {
  const model = await findWorldModel(ctx, options.worldModel, options.store);
  if (!model) return { line: NO_WORLD_MODEL_LINE };
  const { name, version, metrics } = model.manifest;
  const config = (model.manifest.config ?? {}) as { size?: number[]; promptLength?: number };
  const { width, height } = PHYSICS_PROTOCOL;
  if (config.size?.[0] !== height || config.size?.[1] !== width)
    return {
      line: `${name} generates ${config.size?.join('x') ?? 'an unknown size'}, not the physics suite's ${width}x${height}, so no future was predicted`,
    };
  const clips = physicsClips([DEMO_WORLD.scenario], 1, [DEMO_WORLD.view]);
  const clip = (await clips.next()).value as PhysicsCase;
  await clips.return(undefined);
  const task = ctx.progress.task('predict a held-out world', 2);
  const world = await worldModelPredictor(ctx, name);
  const sampling = world.note ?? '';
  let model4: Awaited<ReturnType<typeof oneCase>>;
  try {
    model4 = await oneCase(world, clip, DEMO_WORLD.samples);
  } finally {
    await world.close?.();
  }
  task.tick();
  const baseline = await oneCase(copyLastPredictor(), clip, 1);
  task.tick();
  task.done();

  await mkdir(out, { recursive: true });
  const truth = join(out, 'truth.mp4');
  const futures = model4.videos.map((_, i) => join(out, `future-${i}.mp4`));
  const copyLast = join(out, 'copy-last.mp4');
  const grid = join(out, 'grid.mp4');
  const { encodeClip } = await import('../../video/index.js');
  const encode = (frames: readonly RgbFrame[], path: string) =>
    encodeClip(
      frames.map((f, i) => rgbFrame(f, i, FPS)),
      path,
      { inputFps: FPS, crf: 18 },
    );
  await Promise.all([
    encode(clip.frames, truth),
    ...model4.videos.map((v, i) => encode(v, futures[i]!)),
    encode(baseline.videos[0]!, copyLast),
    encode(
      clip.frames.map((f, k) => sideBySide([f, ...model4.videos.map((v) => v[k]!)])),
      grid,
    ),
  ]);

  const scores = model4.result.futures;
  const base = baseline.result.futures[0]!;
  const prompt = captionPrompt(clip.caption, config.promptLength ?? 16);
  const summary: DemoPredictSummary = {
    model: name,
    version,
    metrics,
    scenario: clip.scenario,
    seed: clip.seed,
    view: clip.view,
    caption: clip.caption,
    prompt,
    sampling,
    futures: scores.map((s, i) => ({ ...s, video: futures[i]! })),
    copyLast: { ...base, video: copyLast },
    trackerIou: model4.result.trackerIou,
    spread: { pairPsnr: model4.result.pairPsnr, pairIou: model4.result.pairIou },
    truth,
    grid,
    report: join(out, 'report.html'),
    note: honestNote(model4.result, base),
  };
  await writeFile(summary.report, reportHtml(summary));
  return {
    line: `${name}: ${scores.length} futures of held-out ${clip.scenario} seed ${clip.seed} from 1 frame, mean IoU ${fixed(model4.result.iou, 3)} (copy-last ${fixed(base.iou, 3)}), PSNR ${fixed(model4.result.psnr, 1)} dB (copy-last ${fixed(base.psnr, 1)}); ${summary.report}`,
    summary,
  };
}

/** One line on how the futures compare with copy-last here: never more than this one world shows. */
function honestNote(model: VideoScores, base: VideoScores): string {
  const ahead = (['iou', 'psnr', 'ssim'] as const).filter((k) => model[k] > base[k]);
  const one = 'on this one held-out world (the suite-wide table is orbis eval physics)';
  if (ahead.length === 0) return `This model does not beat copy-last on any score ${one}.`;
  if (ahead.length === 3) return `The futures' mean beats copy-last on IoU, PSNR and SSIM ${one}.`;
  return `The futures' mean beats copy-last only on ${ahead.map((k) => k.toUpperCase()).join(' and ')} ${one}.`;
}

const html = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fixed = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** The report: videos (relative paths, so the folder can move), the score table, the model and a note. */
export function reportHtml(s: DemoPredictSummary): string {
  const video = (path: string, label: string) =>
    `<figure><video src="${html(basename(path))}" autoplay loop muted playsinline></video><figcaption>${html(label)}</figcaption></figure>`;
  const scoreRow = (label: string, v: VideoScores) =>
    `<tr><td>${html(label)}</td><td>${fixed(v.psnr, 2)}</td><td>${fixed(v.ssim, 4)}</td><td>${fixed(v.iou, 3)}</td></tr>`;
  const n = s.futures.length;
  const meanOf = (k: keyof VideoScores) => s.futures.reduce((a, f) => a + f[k], 0) / n;
  const metrics = Object.entries(s.metrics)
    .map(([k, v]) => `<li>${html(k)}: ${html(String(v))}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>orbis demo: ${html(s.model)} on held-out ${html(s.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
.videos{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0}video{width:256px;height:256px;image-rendering:pixelated;background:#000}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .7em;text-align:right}
td:first-child,th:first-child{text-align:left}.note{font-weight:bold}
</style></head><body>
<h1>${html(s.model)} (version ${html(s.version)}): ${n} futures of a held-out world</h1>
<p>Held-out ${html(s.scenario)} world (evaluation seed ${s.seed}, view ${s.view}), ${PHYSICS_PROTOCOL.width}x${PHYSICS_PROTOCOL.height}, ${PHYSICS_PROTOCOL.frames} frames at ${PHYSICS_PROTOCOL.fps} fps; the model saw frame 0 and the prompt
<q>${html(s.prompt)}</q> (the caption's first words as the model splits them).</p>
<p>Drawn as ${html(s.sampling)}.</p>
<p class="note">${html(s.note)}</p>
<div class="videos">
${video(s.truth, 'truth (simulator)')}
${s.futures.map((f, i) => video(f.video, `future ${i} (sampling seed ${i})`)).join('\n')}
${video(s.copyLast.video, 'copy-last baseline')}
</div>
<p>The same side by side in one video: <a href="${html(basename(s.grid))}">${html(basename(s.grid))}</a> (truth at left).</p>
<h2>Scores against the truth</h2>
<p>Over frames 1 to ${PHYSICS_PROTOCOL.frames - 1}, as <code>orbis eval physics</code> scores them: PSNR (dB, capped at 100), SSIM, and the IoU of the moving objects' masks as the tracker follows them from frame 0's true masks.</p>
<table id="scores"><thead><tr><th>video</th><th>PSNR</th><th>SSIM</th><th>IoU</th></tr></thead><tbody>
${s.futures.map((f, i) => scoreRow(`future ${i}`, f)).join('\n')}
${scoreRow('futures, mean', { psnr: meanOf('psnr'), ssim: meanOf('ssim'), iou: meanOf('iou') })}
${scoreRow('copy-last baseline', s.copyLast)}
<tr><td>truth (tracker ceiling)</td><td>100.00</td><td>1.0000</td><td>${fixed(s.trackerIou, 3)}</td></tr>
</tbody></table>
<p>Spread between the futures: mean pairwise PSNR ${fixed(s.spread.pairPsnr, 2)} dB, mean pairwise IoU ${fixed(s.spread.pairIou, 3)} (lower = further apart).</p>
<h2>Model</h2>
<p>${html(s.model)} version ${html(s.version)}; metrics from its manifest:</p>
<ul>${metrics || '<li>none recorded</li>'}</ul>
<p>Caption of the world: ${html(s.caption)}</p>
</body></html>
`;
}
