import { resolve } from 'node:path';
import { OrbisError } from '../../core/index.js';
import { type CurateReport, curate, parseCuratorConfig, parseStages } from '../../curator/index.js';
import { parseNumber } from '../args.js';
import type { CliContext } from '../context.js';

interface CurateCliOptions {
  out: string;
  include?: string[];
  exclude?: string[];
  failOnError?: boolean;
  stages?: string[];
  metricsPort?: string;
  engine?: string;
}

export async function curateCommand(
  ctx: CliContext,
  inputs: string[],
  options: CurateCliOptions,
): Promise<number> {
  const config = parseCuratorConfig(ctx.config.curator ?? {}, 'the "curator" section of the config');
  const report = await curate(inputs, {
    out: resolve(ctx.io.cwd, options.out),
    config,
    signal: ctx.signal,
    progress: ctx.progress,
    log: ctx.log,
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.stages ? { stages: parseStages(options.stages, config) } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.metricsPort !== undefined
      ? {
          metricsPort: parseNumber('--metrics-port', options.metricsPort, {
            min: 0,
            max: 65535,
            integer: true,
          }),
        }
      : {}),
  });
  ctx.result(summary(report), report);
  if (options.failOnError && report.counts.videosFailed > 0) {
    throw new OrbisError(
      'VIDEO_DECODE_FAILED',
      `${report.counts.videosFailed} input(s) failed (see ${report.out}/report.json)`,
      {
        hint: 'the rest of the dataset was written; drop --fail-on-error to exit 0',
      },
    );
  }
  return 0;
}

export function summary(r: CurateReport): string[] {
  const lines = [
    `curated ${r.counts.videos} videos into ${r.counts.kept} clips (${r.counts.clips} found) in ${r.seconds.toFixed(1)} s: ${r.out}`,
    '',
    `${'stage'.padEnd(10)} ${'in'.padStart(6)} ${'out'.padStart(6)} ${'per s'.padStart(7)} ${'busy'.padStart(5)}  workers`,
    ...r.stages.map(
      (s) =>
        `${s.name.padEnd(10)} ${String(s.itemsIn).padStart(6)} ${String(s.itemsOut).padStart(6)} ${s.ratePerSecond.toFixed(1).padStart(7)} ${`${Math.round(100 * s.busyShare)}%`.padStart(5)}  ${s.workers}`,
    ),
  ];
  const dropped = Object.entries(r.counts.dropped);
  if (dropped.length)
    lines.push('', 'dropped:', ...dropped.map(([why, n]) => `  ${String(n).padStart(4)}  ${why}`));
  const failed = r.inputs.filter((i) => i.outcome === 'failed');
  if (failed.length) {
    lines.push(
      '',
      `${failed.length} input(s) failed:`,
      ...failed.slice(0, 10).map((f) => `  ${f.code}  ${f.path}`),
    );
    if (failed.length > 10) lines.push(`  ... and ${failed.length - 10} more in report.json`);
  }
  lines.push('', `shards: ${r.shards.length}, manifest: ${r.manifest}, report: report.json`);
  return lines;
}
