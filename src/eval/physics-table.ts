import type { PhysicsReport, PhysicsScores } from './physics-eval.js';

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

function cells(s: PhysicsScores): string {
  const f = (v: number, d: number, w: number) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a').padStart(w);
  return `${f(s.psnr, 2, 7)} ${f(s.ssim, 3, 6)} ${f(s.iou, 3, 6)} ${f(s.trackerIou, 3, 12)}`;
}

/** The physics table as text lines: per scenario, the mean, and the published rows below. */
export function physicsTable(report: PhysicsReport): string[] {
  const clips = report.rows.reduce((s, r) => s + r.clips, 0);
  const lines = [
    `physics alignment: ${report.model}, ${report.conditioningFrames} conditioning frame(s), ${clips} clips, ${report.samples} sample(s) each`,
    `${'scenario'.padEnd(16)} ${'clips'.padStart(5)} ${'PSNR'.padStart(7)} ${'SSIM'.padStart(6)} ${'IoU'.padStart(6)} ${'tracker IoU'.padStart(12)}`,
    ...report.rows.map((r) => `${r.scenario.padEnd(16)} ${String(r.clips).padStart(5)} ${cells(r)}`),
    `${'mean'.padEnd(16)} ${String(clips).padStart(5)} ${cells(report.mean)}`,
    'tracker IoU: the tracker on the true future (the ceiling of the IoU column)',
  ];
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
