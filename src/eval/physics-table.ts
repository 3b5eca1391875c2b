import { mean } from './metric.js';
import type { FutureSpread, PhysicsReport, PhysicsScores } from './physics-eval.js';

/**
 * The reference's published physics-alignment rows (Cosmos paper; ../shared/ANCHORS.md, "Physics
 * alignment"): PSNR / SSIM / DreamSim / IoU, measured on their scenes, not ours.
 */
export const PUBLISHED_PHYSICS: readonly {
  model: string;
  frames: number;
  psnr: number;
  ssim: number;
  dreamsim: number;
  iou: number;
}[] = [
  {
    model: 'Cosmos Diffusion 7B Video2World',
    frames: 1,
    psnr: 17.34,
    ssim: 0.54,
    dreamsim: 0.84,
    iou: 0.332,
  },
  { model: 'Cosmos AR 4B', frames: 1, psnr: 17.91, ssim: 0.49, dreamsim: 0.83, iou: 0.394 },
  { model: 'Cosmos AR 13B Video2World', frames: 1, psnr: 18.0, ssim: 0.49, dreamsim: 0.83, iou: 0.397 },
  {
    model: 'Cosmos Diffusion 7B Video2World',
    frames: 9,
    psnr: 21.06,
    ssim: 0.69,
    dreamsim: 0.86,
    iou: 0.592,
  },
  { model: 'Cosmos AR 4B', frames: 9, psnr: 18.13, ssim: 0.48, dreamsim: 0.86, iou: 0.481 },
  { model: 'Cosmos AR 13B Video2World', frames: 9, psnr: 18.26, ssim: 0.48, dreamsim: 0.87, iou: 0.482 },
];

const f = (v: number, d: number, w: number) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a').padStart(w);

function cells(s: PhysicsScores & Partial<FutureSpread>, spread: boolean): string {
  const base = `${f(s.psnr, 2, 7)} ${f(s.ssim, 3, 6)} ${f(s.iou, 3, 6)} ${f(s.trackerIou, 3, 12)}`;
  return spread ? `${base} ${f(s.pairPsnr ?? Number.NaN, 2, 10)} ${f(s.pairIou ?? Number.NaN, 3, 9)}` : base;
}

/** Frames a span of the IoU-over-time line covers: two of the 4x8x8 tokenizer's latent frames. */
const SPAN = 8;

/**
 * The mean's IoU over time in spans of SPAN predicted frames, counted back from the last, so that the spans
 * line up for 1 and 9 conditioning frames ("IoU over time, frames 2-9 0.61 | 10-17 0.47 | ..."; frames
 * numbered from 1). Undefined without it.
 */
export function overTimeLine(iouOverTime: readonly number[], conditioningFrames: number): string | undefined {
  if (iouOverTime.length === 0) return undefined;
  const spans: string[] = [];
  for (let end = iouOverTime.length; end > 0; end -= SPAN) {
    const start = Math.max(0, end - SPAN);
    const span = mean(iouOverTime.slice(start, end));
    spans.unshift(`${conditioningFrames + start + 1}-${conditioningFrames + end} ${f(span, 3, 0)}`);
  }
  return `IoU over time, frames ${spans.join(' | ')}`;
}

/**
 * The physics table as text lines: per scenario, the mean, and the published rows below. With 2 or more
 * samples, two more columns: the spread between a clip's futures (pairwise PSNR and mask IoU).
 */
export function physicsTable(report: PhysicsReport): string[] {
  const clips = report.rows.reduce((s, r) => s + r.clips, 0);
  const spread = report.samples >= 2;
  const head = `${'scenario'.padEnd(16)} ${'clips'.padStart(5)} ${'PSNR'.padStart(7)} ${'SSIM'.padStart(6)} ${'IoU'.padStart(6)} ${'tracker IoU'.padStart(12)}`;
  const lines = [
    `physics alignment: ${report.model}, ${report.conditioningFrames} conditioning frame(s), ${clips} clips, ${report.samples} sample(s) each`,
    spread ? `${head} ${'pair PSNR'.padStart(10)} ${'pair IoU'.padStart(9)}` : head,
    ...report.rows.map((r) => `${r.scenario.padEnd(16)} ${String(r.clips).padStart(5)} ${cells(r, spread)}`),
    `${'mean'.padEnd(16)} ${String(clips).padStart(5)} ${cells(report.mean, spread)}`,
    'tracker IoU: the tracker on the true future (the ceiling of the IoU column)',
  ];
  const overTime = overTimeLine(report.mean.iouOverTime, report.conditioningFrames);
  if (overTime) lines.push(overTime);
  if (spread)
    lines.push(
      'pair PSNR / pair IoU: between the futures of one clip, mean over pairs (100 / 1.000: all the same; lower: further apart)',
    );
  if (report.note) lines.push(report.note);
  for (const e of report.errors)
    lines.push(`failed: ${e.scenario} seed ${e.seed} view ${e.view}: ${e.error}`);
  const published = PUBLISHED_PHYSICS.filter((p) => p.frames === report.conditioningFrames);
  if (published.length) {
    lines.push(
      `published (Cosmos paper, ${report.conditioningFrames} frame(s) + prompt; on their scenes, not ours):`,
    );
    for (const p of published)
      lines.push(
        `  ${p.model.padEnd(32)} PSNR ${p.psnr.toFixed(2)}  SSIM ${p.ssim.toFixed(2)}  IoU ${p.iou.toFixed(3)}`,
      );
  }
  return lines;
}

/**
 * The multiverse view: per clip, each future's own PSNR / SSIM / IoU against the truth, and the spread
 * between them; then the table's rows for comparison.
 */
export function multiverseLines(report: PhysicsReport): string[] {
  const lines: string[] = [
    `multiverse: ${report.model}, ${report.samples} futures per start, ${report.conditioningFrames} conditioning frame(s)`,
  ];
  for (const c of report.cases) {
    lines.push(
      `${c.scenario} seed ${c.seed} view ${c.view}: spread pair PSNR ${f(c.pairPsnr, 2, 0)} dB, pair IoU ${f(c.pairIou, 3, 0)}, ${c.distinctSamples} distinct of ${c.futures.length}`,
    );
    c.futures.forEach((s, i) => {
      lines.push(
        `  future ${i}  PSNR ${f(s.psnr, 2, 6)}  SSIM ${f(s.ssim, 3, 5)}  IoU ${f(s.iou, 3, 5)}  (tracker ceiling ${f(c.trackerIou, 3, 0)})`,
      );
    });
  }
  lines.push('', ...physicsTable(report));
  return lines;
}
