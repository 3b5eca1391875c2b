/**
 * The distributed runner on this machine: the engine's overhead per job (a do-nothing stage over many
 * items, coordinator and workers on one Redis), then curation throughput with 1 and 2 worker processes
 * against the local runner on the same corpus, and a projection for 100 machines from those figures.
 *
 *   npm run bench:distributed -- [--jobs 2000] [--videos 6] [--seconds 20]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { curate } from '../src/curator/index.js';
import { type Pipeline, parseEngine, RedisRunner } from '../src/pipeline/index.js';
import { makeTestVideo } from '../src/video/index.js';
import { startRedis } from '../test/redis.js';
import { formatTable } from './harness.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '2000' },
    videos: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '20' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-distributed-'));
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const bin = resolve(import.meta.dirname, '../bin/orbis.mjs');
const redis = await startRedis(join(dir, 'redis'));

async function workers(n: number, concurrency?: number): Promise<ChildProcess[]> {
  return await Promise.all(
    Array.from({ length: n }, async () => {
      const args = [
        bin,
        'worker',
        '--engine',
        redis.url,
        ...(concurrency ? ['--concurrency', String(concurrency)] : []),
      ];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      await new Promise<void>((ok) => {
        let text = '';
        child.stderr!.on('data', (c: Buffer) => {
          text += c;
          if (text.includes('stop with Ctrl-C')) ok();
        });
      });
      return child;
    }),
  );
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((ok) => {
          c.once('exit', ok);
          c.kill('SIGTERM');
        }),
    ),
  );
}

try {
  // 1. Overhead per job: a stage that does nothing, so every millisecond is the engine's.
  const jobs = Number(values.jobs);
  const noop: Pipeline = {
    name: 'noop',
    version: '1',
    stages: [
      {
        name: 'identity',
        module: new URL('./noop-stage.ts', import.meta.url).href,
        factory: 'identity',
        resources: { cpus: 0 },
      },
    ],
  };
  const overheadWorkers = await workers(2, 16);
  const t0 = performance.now();
  let n = 0;
  for await (const _ of new RedisRunner(parseEngine(redis.url), { pollMs: 50 }).run(
    noop,
    Array.from({ length: jobs }, (_, i) => ({ id: `item-${i}` })),
  ))
    n++;
  const overheadSeconds = (performance.now() - t0) / 1000;
  await stop(overheadWorkers);
  const jobsPerSecond = n / overheadSeconds;
  log(`${n} do-nothing jobs through 2 workers x 16 in ${overheadSeconds.toFixed(1)} s`);

  // 2. Curation: local runner, then 1 and 2 worker processes, on the same corpus.
  const inputs = join(dir, 'inputs');
  for (let v = 0; v < Number(values.videos); v++)
    await makeTestVideo(join(inputs, `v${v}.mp4`), {
      width: 640,
      height: 360,
      shots: Math.max(2, Math.round(Number(values.seconds) / 5)),
      shotSeconds: [4, 6, 5],
      transitions: ['cut', 'dissolve', 'fade'],
      fastMotion: true,
      seed: 40 + v,
      reproducible: false,
    });
  const timed = async (
    name: string,
    engine?: string,
  ): Promise<{ name: string; seconds: number; clips: number }> => {
    const start = performance.now();
    const report = await curate([inputs], { out: join(dir, name), ...(engine ? { engine } : {}) });
    return { name, seconds: (performance.now() - start) / 1000, clips: report.counts.clips };
  };
  const results = [await timed('local')];
  for (const count of [1, 2]) {
    const w = await workers(count);
    results.push(await timed(`${count} worker${count > 1 ? 's' : ''}`, redis.url));
    await stop(w);
  }
  const local = results[0]!;
  const videoSeconds = Number(values.videos) * Number(values.seconds);
  const one = results[1]!;
  process.stdout.write(
    [
      '',
      `engine overhead: ${jobsPerSecond.toFixed(0)} jobs/s = ${((1000 * overheadSeconds) / n).toFixed(2)} ms per job (enqueue, take, store, count), do-nothing stage, 2 workers x 16 on one Redis`,
      '',
      `curation of ${values.videos} videos x ${values.seconds} s of 640x360 (same corpus, same machine: 2 cores)`,
      formatTable([
        ['runner', 'seconds', 'clips', 'clips/s', 'video-s/s', 'vs local'],
        ...results.map((r) => [
          r.name,
          r.seconds.toFixed(1),
          String(r.clips),
          (r.clips / r.seconds).toFixed(2),
          (videoSeconds / r.seconds).toFixed(1),
          (local.seconds / r.seconds).toFixed(2),
        ]),
      ]),
      '',
      'projection for 100 machines like this one, one worker each (one worker already keeps both cores busy:',
      'split and transcode run side by side). Assumes shared storage keeps up, one Redis, and as many jobs',
      `per video as here: 1 split + about ${((2 * one.clips) / Number(values.videos)).toFixed(0)} clip jobs (filter, transcode).`,
      `  video-seconds/s: 100 x ${(videoSeconds / one.seconds).toFixed(1)} = ${(100 * (videoSeconds / one.seconds)).toFixed(0)}`,
      `  jobs/s that needs: ${((100 * (1 + (2 * one.clips) / Number(values.videos)) * Number(values.videos)) / one.seconds).toFixed(0)}, against the ${jobsPerSecond.toFixed(0)} jobs/s one Redis moved here`,
      '',
    ].join('\n'),
  );
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
