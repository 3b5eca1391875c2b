import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { OrbisError, writeFileAtomic } from '../../core/index.js';
import {
  checkViewMemory,
  contactSheet,
  EVAL_SEED_BASE,
  type GenerateReport,
  generate,
  type PushPolicy,
  parseChannels,
  parseFormat,
  parseFps,
  parseScenarios,
  parseSeeds,
  parseViews,
  parseWholeNumber,
  requireWritableDir,
  SCENARIOS,
  sampleJsonSchema,
} from '../../sim/index.js';
import { encodePng } from '../../video/index.js';
import type { CliContext } from '../context.js';

export async function simListCommand(ctx: CliContext): Promise<number> {
  const rows = SCENARIOS.map((s) => ({
    name: s.name,
    physicsSuite: s.physicsSuite,
    description: s.description,
  }));
  ctx.result(
    rows.map((r) => `${r.name.padEnd(15)} ${r.physicsSuite ? 'suite' : '     '}  ${r.description}`),
    rows,
  );
  return 0;
}

interface GenerateCliOptions {
  scenario: string;
  seeds: string;
  views: string;
  size: string;
  frames: string;
  fps: string;
  looks: string;
  format: string;
  out: string;
  policy?: string;
  channels: string;
}

function threadsOf(ctx: CliContext): number {
  return ctx.config.threads > 0 ? ctx.config.threads : availableParallelism();
}

function policyOf(text: string | undefined): PushPolicy | undefined {
  if (text === undefined) return undefined;
  if (text !== 'scripted' && text !== 'random') {
    throw new OrbisError('SIM_INVALID_OPTION', `--policy must be scripted or random, not "${text}"`);
  }
  return text;
}

async function runGenerate(
  ctx: CliContext,
  options: Parameters<typeof generate>[0],
  label: string,
): Promise<GenerateReport> {
  const task = ctx.progress.task(label, options.scenarios.length * options.seeds.length);
  const report = await generate(options, {
    onProgress: (done, total, frames) => {
      task.update(done, total);
      task.note(`${frames} frames`);
    },
  });
  task.done(`${report.framesPerSecond} frames/s`);
  return report;
}

function summary(r: GenerateReport): string[] {
  return [
    `wrote ${r.samples} samples (${r.rollouts} rollouts, ${r.framesRendered} frames) in ${r.seconds} s: ${r.out}`,
    `  ${r.framesPerSecond} frames/s on ${r.threads} thread(s); physics ${r.physicsSeconds} s, rendering ${r.renderSeconds} s (thread time)`,
    ...(r.skipped ? [`  ${r.skipped} samples were already complete and kept`] : []),
    ...(r.shards.length
      ? [`  ${r.shards.length} shard(s): ${r.shards[0]}${r.shards.length > 1 ? ' ...' : ''}`]
      : []),
  ];
}

export async function simGenerateCommand(ctx: CliContext, options: GenerateCliOptions): Promise<number> {
  const scenarios = parseScenarios(options.scenario);
  const policy = policyOf(options.policy);
  const report = await runGenerate(
    ctx,
    {
      scenarios,
      seeds: parseSeeds(options.seeds),
      views: parseViews(options.views),
      size: parseWholeNumber('size', options.size, 16, 2048),
      frames: parseWholeNumber('frames', options.frames, 1, 100000),
      fps: parseFps(options.fps),
      looks: parseWholeNumber('looks', options.looks, 1, 1000),
      format: parseFormat(options.format),
      out: resolve(ctx.io.cwd, options.out),
      threads: threadsOf(ctx),
      signal: ctx.signal,
      ...(policy ? { policy } : {}),
      channels: parseChannels(options.channels),
    },
    'sim',
  );
  ctx.result(summary(report), report);
  return 0;
}

interface EvalSplitCliOptions {
  seeds: string;
  size: string;
  format: string;
  out: string;
}

/** The physics-alignment suite: 8 scenarios x 4 views x N seeds of 100 frames, from seed 1000000 up. */
export async function simEvalSplitCommand(ctx: CliContext, options: EvalSplitCliOptions): Promise<number> {
  const count = parseWholeNumber('seeds', options.seeds, 1, 10000);
  const report = await runGenerate(
    ctx,
    {
      scenarios: SCENARIOS.filter((s) => s.physicsSuite).map((s) => s.name),
      seeds: Array.from({ length: count }, (_, i) => EVAL_SEED_BASE + i),
      views: parseViews(4),
      size: parseWholeNumber('size', options.size, 16, 2048),
      frames: 100,
      fps: 24,
      looks: 1,
      format: parseFormat(options.format),
      out: resolve(ctx.io.cwd, options.out),
      threads: threadsOf(ctx),
      evalSplit: true,
      signal: ctx.signal,
    },
    'eval split',
  );
  ctx.result(summary(report), report);
  return 0;
}

interface PreviewCliOptions {
  scenario: string;
  seed: string;
  size: string;
  frames: string;
  fps: string;
  look: string;
  columns: string;
  out: string;
}

export async function simPreviewCommand(ctx: CliContext, options: PreviewCliOptions): Promise<number> {
  const [scenario] = parseScenarios(options.scenario);
  const seeds = parseSeeds(options.seed);
  const out = resolve(ctx.io.cwd, options.out);
  const size = parseWholeNumber('size', options.size, 16, 1024);
  const frames = parseWholeNumber('frames', options.frames, 2, 10000);
  checkViewMemory(frames, size, 4);
  await requireWritableDir(dirname(out));
  const sheet = await contactSheet({
    scenario: scenario!,
    seed: seeds[0]!,
    size,
    frames,
    fps: parseFps(options.fps),
    look: parseWholeNumber('look', options.look, 0, 1000),
    columns: parseWholeNumber('columns', options.columns, 1, 32),
  });
  await writeFileAtomic(
    out,
    encodePng({ width: sheet.width, height: sheet.height, pixelFormat: 'rgb24', data: sheet.data }, 9),
  );
  ctx.result(
    `${out}: ${scenario} seed ${seeds[0]}, ${sheet.width}x${sheet.height} (rows: views 0-3, then view 0's mask, depth, edges)`,
    {
      out,
      scenario,
      seed: seeds[0],
      width: sheet.width,
      height: sheet.height,
    },
  );
  return 0;
}

export async function simSchemaCommand(ctx: CliContext): Promise<number> {
  const schema = sampleJsonSchema();
  ctx.io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
