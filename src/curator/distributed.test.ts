import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis } from '../../test/redis.js';
import { tempDir } from '../../test/support.js';
import { parseEngine, runStatus } from '../pipeline/index.js';
import { makeTestVideo } from '../video/index.js';
import { curate } from './curate.js';

/**
 * The distributed runner against the real thing: a redis-server of our own, worker processes started with
 * `orbis worker`, and the dataset compared byte for byte with the local runner's.
 */
const dir = tempDir();
const inputs = join(dir, 'inputs');
const bin = resolve(import.meta.dirname, '../../bin/orbis.mjs');
let redis: TestRedis;
let reference: string;

before(async () => {
  redis = await startRedis(join(dir, 'redis'));
  for (const seed of [1, 2, 3])
    await makeTestVideo(join(inputs, `v${seed}.mp4`), {
      shots: 3,
      shotSeconds: [2.5, 3, 2.5],
      transitions: ['cut', 'dissolve'],
      width: 192,
      height: 108,
      fastMotion: true,
      seed,
    });
  reference = join(dir, 'local');
  await curate([inputs], { out: reference });
});

after(async () => {
  await redis.stop();
});

interface Spawned {
  child: ChildProcess;
  log: () => string;
}

async function worker(): Promise<Spawned> {
  const child = spawn(process.execPath, [bin, 'worker', '--engine', redis.url, '--stall-seconds', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => {
    text += c;
  });
  await new Promise<void>((ok, fail) => {
    child.stderr!.on('data', (c: Buffer) => {
      text += c;
      if (/stop with Ctrl-C/.test(text)) ok();
    });
    child.once('exit', (code) => fail(new Error(`worker exited ${code}: ${text}`)));
  });
  return { child, log: () => text };
}

async function stop(workers: Spawned[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((ok) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return ok(undefined);
          w.child.once('exit', ok);
          w.child.kill('SIGTERM');
        }),
    ),
  );
}

/** The same clips, manifest rows, shards (byte for byte) and embeddings as the local run. */
function assertSameDataset(out: string): void {
  assert.equal(
    readFileSync(join(out, 'manifest.jsonl'), 'utf8'),
    readFileSync(join(reference, 'manifest.jsonl'), 'utf8').replaceAll(reference, out),
  );
  const shards = (d: string) => readdirSync(join(d, 'shards')).sort();
  assert.deepEqual(shards(out), shards(reference));
  for (const name of shards(reference))
    assert.ok(
      readFileSync(join(out, 'shards', name)).equals(readFileSync(join(reference, 'shards', name))),
      name,
    );
  assert.ok(
    readFileSync(join(out, 'embeddings.f32')).equals(readFileSync(join(reference, 'embeddings.f32'))),
  );
}

/** Wait until `minimum` videos are split (their analyses are in work/videos). */
async function untilSplitDone(out: string, minimum: number): Promise<void> {
  const videos = join(out, 'work', 'videos');
  for (let i = 0; i < 1200; i++) {
    if (existsSync(videos) && readdirSync(videos).filter((n) => n.endsWith('.json')).length >= minimum)
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${minimum} videos were not split within a minute`);
}

test('3 worker processes through Redis write the same dataset as the local runner', {
  timeout: 180_000,
}, async () => {
  const workers = await Promise.all([worker(), worker(), worker()]);
  try {
    const out = join(dir, 'distributed');
    const report = await curate([inputs], { out, engine: redis.url });
    assertSameDataset(out);
    assert.equal(report.counts.videos, 3);
    const split = report.stages.find((s) => s.name === 'split')!;
    assert.equal(split.itemsIn, 3);
  } finally {
    await stop(workers);
  }
});

test('kill -9 one worker mid-run, then another: the run completes, nothing lost, nothing twice', {
  timeout: 180_000,
}, async () => {
  const workers = await Promise.all([worker(), worker(), worker()]);
  try {
    const out = join(dir, 'killed');
    const run = curate([inputs], { out, engine: redis.url });
    await untilSplitDone(out, 1);
    workers[0]!.child.kill('SIGKILL');
    await untilSplitDone(out, 2);
    workers[1]!.child.kill('SIGKILL');
    assert.ok(!existsSync(join(out, 'report.json')), 'both were killed before the run finished');
    const report = await run;
    assertSameDataset(out);
    const status = await runStatus(parseEngine(redis.url), report.runId ?? '');
    assert.equal(status.openJobs, 0);
    assert.deepEqual(status.failed, []);
  } finally {
    await stop(workers);
  }
});

test('Redis restarted mid-run (append-only file on): the run resumes and completes', {
  timeout: 180_000,
}, async () => {
  const workers = await Promise.all([worker(), worker()]);
  try {
    const out = join(dir, 'restarted');
    const run = curate([inputs], { out, engine: redis.url });
    await untilSplitDone(out, 1);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    await run;
    assertSameDataset(out);
  } finally {
    await stop(workers);
  }
});
