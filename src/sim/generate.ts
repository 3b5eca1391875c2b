import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { abortError, OrbisError, ShardWriter, writeFileAtomic } from '../core/index.js';
import { checkSeeds, checkViewMemory, type GenerateOptions } from './generate-options.js';
import type { JobResult, SimJob } from './run-job.js';
import { sampleKey } from './sample-key.js';
import { sampleJsonSchema } from './sample-meta.js';
import { SimPool } from './worker-pool.js';

export interface GenerateReport {
  out: string;
  format: string;
  rollouts: number;
  samples: number;
  /** Samples already complete from an earlier run (npy form), not generated again. */
  skipped: number;
  framesRendered: number;
  seconds: number;
  /** View frames per second of wall time, all stages. */
  framesPerSecond: number;
  physicsSeconds: number;
  renderSeconds: number;
  threads: number;
  shards: string[];
}

export interface GenerateHooks {
  /** Called after each rollout: rollouts done, of total, frames rendered so far. */
  onProgress?(done: number, total: number, framesRendered: number): void;
}

/** Check that `dir` can be created and written, so a bad --out fails at once with one clear line. */
export async function requireWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    const probe = join(dir, `.orbis-write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new OrbisError(
      'OUTPUT_UNWRITABLE',
      `cannot write to the output folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        hint: 'choose another --out, or fix its permissions',
        cause: error,
      },
    );
  }
}

/**
 * Generate worlds: every (scenario, seed) is one rollout, simulated once and rendered in each view and look.
 * Rollouts run in parallel on worker threads. The npy form writes one folder per sample and skips samples
 * an earlier run completed; the shard form writes WebDataset shards in a fixed order, whatever finishes first.
 */
export async function generate(options: GenerateOptions, hooks: GenerateHooks = {}): Promise<GenerateReport> {
  checkSeeds(options.seeds, options.evalSplit ?? false);
  checkViewMemory(options.frames, options.size);
  await requireWritableDir(options.out);
  const started = performance.now();
  const jobs: SimJob[] = [];
  let skipped = 0;
  for (const scenario of options.scenarios) {
    for (const seed of options.seeds) {
      const job: SimJob = {
        scenario,
        seed,
        frames: options.frames,
        fps: options.fps,
        size: options.size,
        views: options.views,
        looks: options.looks,
        format: options.format,
        out: options.out,
        ...(options.policy ? { policy: options.policy } : {}),
        ...(options.channels ? { channels: options.channels } : {}),
      };
      if (options.format === 'npy' && (await complete(job))) {
        skipped += options.views.length * options.looks;
        continue;
      }
      jobs.push(job);
    }
  }
  await writeFileAtomic(
    join(options.out, 'sample.schema.json'),
    `${JSON.stringify(sampleJsonSchema(), null, 2)}\n`,
  );

  const threads = Math.max(1, Math.min(options.threads, jobs.length));
  const pool = new SimPool(threads);
  const shardWriter =
    options.format === 'shards'
      ? new ShardWriter(join(options.out, 'shards'), { prefix: 'sim', maxSamples: 256 })
      : undefined;
  const results: (JobResult | undefined)[] = new Array(jobs.length);
  let written = 0;
  let done = 0;
  let samples = 0;
  let framesRendered = 0;
  let physicsMs = 0;
  let renderMs = 0;
  // Shards take samples in job order, so the same command always gives the same shards.
  const flush = async (): Promise<void> => {
    while (written < jobs.length && results[written]) {
      for (const sample of results[written]!.samples) {
        if (shardWriter && sample.members)
          await shardWriter.add({ key: sample.key, members: sample.members });
      }
      results[written] = undefined;
      written++;
    }
  };
  let flushing = Promise.resolve();
  let next = 0;
  try {
    const lane = async (): Promise<void> => {
      while (next < jobs.length) {
        if (options.signal?.aborted) throw abortError(options.signal.reason);
        const index = next++;
        const result = await pool.run(jobs[index]!);
        results[index] = result;
        done++;
        samples += result.samples.length;
        framesRendered += result.framesRendered;
        physicsMs += result.physicsMs;
        renderMs += result.renderMs;
        hooks.onProgress?.(done, jobs.length, framesRendered);
        flushing = flushing.then(flush);
        await flushing;
      }
    };
    await Promise.all(Array.from({ length: threads }, lane));
    await flushing;
  } catch (error) {
    await shardWriter?.abort();
    throw error;
  } finally {
    await pool.close();
  }
  const shards = (await shardWriter?.close()) ?? [];
  const seconds = (performance.now() - started) / 1000;
  const report: GenerateReport = {
    out: options.out,
    format: options.format,
    rollouts: jobs.length,
    samples,
    skipped,
    framesRendered,
    seconds: round(seconds),
    framesPerSecond: round(framesRendered / Math.max(seconds, 1e-9)),
    physicsSeconds: round(physicsMs / 1000),
    renderSeconds: round(renderMs / 1000),
    threads,
    shards,
  };
  await writeFileAtomic(
    join(options.out, 'run-report.json'),
    `${JSON.stringify({ ...report, options: { ...options, signal: undefined } }, null, 2)}\n`,
  );
  return report;
}

async function complete(job: SimJob): Promise<boolean> {
  for (let look = 0; look < job.looks; look++) {
    for (const view of job.views) {
      const key = sampleKey(job.scenario, job.seed, view, look);
      try {
        await access(join(job.out, job.scenario, key, 'sample.json'));
      } catch {
        return false;
      }
    }
  }
  return true;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
