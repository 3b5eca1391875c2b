import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, workerData } from 'node:worker_threads';
import { OrbisError } from '../core/index.js';
import { generate } from './generate.js';
import {
  EVAL_SEED_BASE,
  parseChannels,
  parseFormat,
  parseFps,
  parseScenarios,
  parseSeeds,
  parseViews,
  parseWholeNumber,
} from './generate-options.js';
import { SCENARIOS } from './scenarios/index.js';
import { SIM_WORKER_ROLE } from './sim-worker.js';

/**
 * `orbis-sim`: the sim generator alone, for machines that have Node but not the Orbis tree (the GPU
 * machine): `esbuild src/sim/standalone.ts --bundle` makes one file that carries Rapier's inlined wasm and
 * starts itself as its worker threads. The npy form needs no ffmpeg.
 *
 *   node orbis-sim.mjs generate --scenario all --seeds 0-99 --size 256 --frames 100 --out data [--threads 16]
 *   node orbis-sim.mjs eval-split --seeds 4 --out eval
 */
const usage =
  'usage: orbis-sim generate|eval-split --out <dir> [--scenario all] [--seeds 0-9] [--views 4] [--size 256] [--frames 100] [--fps 24] [--looks 1] [--format npy] [--channels all] [--threads N]';

export async function runStandalone(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scenario: { type: 'string', default: 'all' },
      seeds: { type: 'string', default: '0' },
      views: { type: 'string', default: '4' },
      size: { type: 'string', default: '256' },
      frames: { type: 'string', default: '100' },
      fps: { type: 'string', default: '24' },
      looks: { type: 'string', default: '1' },
      format: { type: 'string', default: 'npy' },
      channels: { type: 'string', default: 'all' },
      threads: { type: 'string', default: String(availableParallelism()) },
      out: { type: 'string' },
    },
  });
  const command = positionals[0];
  if ((command !== 'generate' && command !== 'eval-split') || !values.out) {
    process.stderr.write(`${usage}\n`);
    return 1;
  }
  const evalSplit = command === 'eval-split';
  const report = await generate(
    {
      scenarios: evalSplit
        ? SCENARIOS.filter((s) => s.physicsSuite).map((s) => s.name)
        : parseScenarios(values.scenario),
      seeds: evalSplit
        ? Array.from(
            { length: parseWholeNumber('seeds', values.seeds, 1, 10000) },
            (_, i) => EVAL_SEED_BASE + i,
          )
        : parseSeeds(values.seeds),
      views: parseViews(evalSplit ? 4 : values.views),
      size: parseWholeNumber('size', values.size, 16, 2048),
      frames: evalSplit ? 100 : parseWholeNumber('frames', values.frames, 1, 100000),
      fps: evalSplit ? 24 : parseFps(values.fps),
      looks: evalSplit ? 1 : parseWholeNumber('looks', values.looks, 1, 1000),
      format: parseFormat(values.format),
      channels: parseChannels(values.channels),
      out: resolve(values.out),
      threads: parseWholeNumber('threads', values.threads, 1, 1024),
      evalSplit,
    },
    {
      onProgress: (done, total, frames) =>
        process.stderr.write(`\r${done}/${total} rollouts, ${frames} frames`),
    },
  );
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}

if (isMainThread || (workerData as { role?: string } | undefined)?.role !== SIM_WORKER_ROLE) {
  if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
    runStandalone(process.argv.slice(2)).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(
          `orbis-sim: ${OrbisError.isInstance(error) ? error.oneLine() : (error as Error).stack}\n`,
        );
        process.exitCode = 1;
      },
    );
  }
}
