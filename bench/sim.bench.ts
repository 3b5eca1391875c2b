/**
 * Sim generation speed: view frames per second at 256x256 with every channel (RGB with AA, mask, depth,
 * edges, normals, poses, caption, facts), physics included, encoding and file writes excluded.
 *   - one thread, in-process, per scenario (4 views x 100 frames per rollout);
 *   - the same jobs on 1 and on 2 worker threads, for the scaling ratio.
 * No other renderer runs on these machines (three.js needs a GL context), so the peer is the sim itself
 * on one thread: the ratio says what a second core buys.
 *
 *   npm run bench:sim                      (defaults: --size 256 --frames 100 --seeds 2 --runs 3)
 *   npm run bench:sim -- --size 128 --json
 */
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { type JobResult, runJob, SCENARIOS, type SimJob } from '../src/sim/index.js';
import { SimPool } from '../src/sim/worker-pool.js';
import { formatTable, median } from './harness.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '256' },
      frames: { type: 'string', default: '100' },
      seeds: { type: 'string', default: '2' },
      runs: { type: 'string', default: '3' },
      threads: { type: 'string', default: '1,2' },
      json: { type: 'boolean', default: false },
    },
  });
  const size = Number(values.size);
  const frames = Number(values.frames);
  const seeds = Number(values.seeds);
  const runs = Number(values.runs);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };

  const jobOf = (scenario: string, seed: number): SimJob => ({
    scenario,
    seed,
    frames,
    fps: 24,
    size,
    views: [0, 1, 2, 3],
    looks: 1,
    format: 'none',
    out: '',
  });

  // One thread, in this process.
  // Warm-up: wasm, JIT, and the process's first touch of output-sized buffers (a full-size job: later jobs
  // reuse that memory, while the first one page-faults every fresh page; a short warm-up left that to
  // whichever scenario ran first).
  await runJob(jobOf('mix', 99));
  const perScenario: {
    scenario: string;
    fps: number;
    cpuFps: number;
    physicsMs: number;
    renderMsPerFrame: number;
  }[] = [];
  for (const s of SCENARIOS) {
    const rates: number[] = [];
    const cpuRates: number[] = [];
    let physicsMs = 0;
    let renderMs = 0;
    let rendered = 0;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      let units = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const r: JobResult = await runJob(jobOf(s.name, seed));
        units += r.framesRendered;
        physicsMs += r.physicsMs;
        renderMs += r.renderMs;
        rendered += r.framesRendered;
      }
      rates.push(units / ((performance.now() - started) / 1000));
      const used = process.cpuUsage(cpu);
      cpuRates.push(units / ((used.user + used.system) / 1e6));
    }
    perScenario.push({
      scenario: s.name,
      fps: median(rates),
      cpuFps: median(cpuRates),
      physicsMs: physicsMs / (runs * seeds),
      renderMsPerFrame: renderMs / rendered,
    });
    log(`${s.name}: ${median(rates).toFixed(1)} frames/s`);
  }
  const overall = perScenario.length / perScenario.reduce((sum, r) => sum + 1 / r.fps, 0);
  const overallCpu = perScenario.length / perScenario.reduce((sum, r) => sum + 1 / r.cpuFps, 0);

  // Scaling: the same jobs on 1 and 2 worker threads, interleaved.
  const jobs = SCENARIOS.flatMap((s) => Array.from({ length: seeds }, (_, seed) => jobOf(s.name, seed)));
  const total = jobs.length * frames * 4;
  /** Frames per wall-clock second, and per CPU-second of the whole process (all its threads). */
  async function poolRate(threads: number): Promise<{ wall: number; cpu: number }> {
    const pool = new SimPool(threads);
    try {
      await Promise.all(Array.from({ length: threads }, () => pool.run({ ...jobOf('mix', 99), frames: 4 })));
      const started = performance.now();
      const cpu = process.cpuUsage();
      let next = 0;
      await Promise.all(
        Array.from({ length: threads }, async () => {
          while (next < jobs.length) await pool.run(jobs[next++]!);
        }),
      );
      const used = process.cpuUsage(cpu);
      return {
        wall: total / ((performance.now() - started) / 1000),
        cpu: total / ((used.user + used.system) / 1e6),
      };
    } finally {
      await pool.close();
    }
  }
  const threadCounts = values.threads.split(',').map(Number);
  const byThreads = threadCounts.map(() => [] as number[]);
  const cpuByThreads = threadCounts.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, threads] of threadCounts.entries()) {
      const rate = await poolRate(threads);
      byThreads[i]!.push(rate.wall);
      cpuByThreads[i]!.push(rate.cpu);
    }
    log(
      `scaling run ${run + 1}: ${threadCounts.map((t, i) => `${t} thread(s) ${byThreads[i]!.at(-1)!.toFixed(1)}`).join(', ')} frames/s`,
    );
  }
  const scaling = threadCounts.map((threads, i) => ({
    threads,
    fps: median(byThreads[i]!),
    speedup: median(byThreads[i]!) / median(byThreads[0]!),
    perCpuSecond: median(cpuByThreads[i]!),
  }));

  const result = {
    size,
    frames,
    seedsPerScenario: seeds,
    runs,
    perScenario,
    oneThreadFps: overall,
    oneThreadCpuFps: overallCpu,
    workers: scaling,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(
      `sim at ${size}x${size}, 4 views x ${frames} frames, ${seeds} seeds per scenario, median of ${runs} runs; view frames per second, all channels, physics included, no encoding\n`,
    );
    process.stdout.write(
      `${formatTable([
        ['scenario', 'frames/s (1 thread)', 'per CPU-second', 'physics ms/rollout', 'render ms/frame'],
        ...perScenario.map((r) => [
          r.scenario,
          r.fps.toFixed(1),
          r.cpuFps.toFixed(1),
          r.physicsMs.toFixed(0),
          r.renderMsPerFrame.toFixed(2),
        ]),
      ])}\n`,
    );
    process.stdout.write(
      `all scenarios (harmonic mean): ${overall.toFixed(1)} frames/s on one thread, ${overallCpu.toFixed(1)} per CPU-second\n`,
    );
    process.stdout.write(
      `worker threads: ${scaling.map((s) => `${s.threads} -> ${s.fps.toFixed(1)} frames/s (x${s.speedup.toFixed(2)}), ${s.perCpuSecond.toFixed(1)} per CPU-second`).join('; ')}\n`,
    );
  }
}

// Worker threads of a bundled build start this same file: only the main thread runs the benchmark.
if (isMainThread) await main();
