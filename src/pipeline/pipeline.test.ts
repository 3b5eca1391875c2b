import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrbisError } from '../core/index.js';
import { allocateWorkers } from './allocate.js';
import { LocalRunner } from './local-runner.js';
import { serveMetrics } from './metrics.js';
import { BoundedQueue } from './queue.js';
import type { Pipeline, StageSpec } from './stage.js';

const stages = new URL('../../test/stages.ts', import.meta.url).href;
const stage = (name: string, factory: string, extra: Partial<StageSpec> = {}): StageSpec => ({
  name,
  module: stages,
  factory,
  ...extra,
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

test('a two-stage pipeline runs its CPU stage on worker threads and returns every item', async () => {
  const pipeline: Pipeline = {
    name: 'numbers',
    version: '1',
    stages: [
      stage('square', 'square', { threads: true, batchSize: 4, options: { spinMs: 2 } }),
      stage('add', 'addOne'),
    ],
  };
  const runner = new LocalRunner();
  const inputs = Array.from({ length: 200 }, (_, i) => i);
  const out = (await collect(runner.run(pipeline, inputs, { capacity: { cpus: 3, gpus: 0 } }))) as {
    value: number;
    thread: number;
  }[];
  assert.deepEqual(
    out.map((o) => o.value).sort((a, b) => a - b),
    inputs.map((n) => n * n + 1).sort((a, b) => a - b),
  );
  const threads = new Set(out.map((o) => o.thread));
  assert.ok(!threads.has(0), 'the CPU stage ran off the main thread');
  assert.ok(threads.size >= 2, `worker threads used: ${[...threads]}`);
  const [sq, add] = runner.stats();
  assert.equal(sq!.itemsIn, 200);
  assert.equal(sq!.itemsOut, 200);
  assert.equal(add!.itemsOut, 200);
  assert.ok(sq!.busyShare > 0);
  assert.equal(runner.liveWorkers(), 0);
});

test('setup runs inside the worker thread', async () => {
  const runner = new LocalRunner();
  const out = await collect(
    runner.run({ name: 'l', version: '1', stages: [stage('life', 'lifecycle', { threads: true })] }, [1, 2], {
      capacity: { cpus: 1, gpus: 0 },
    }),
  );
  assert.match(String(out[0]), /^set up in thread [1-9]/);
});

test('queues stay bounded when the consumer is slow (backpressure)', async () => {
  const pipeline: Pipeline = {
    name: 'b',
    version: '1',
    stages: [stage('square', 'square'), stage('add', 'addOne')],
  };
  const runner = new LocalRunner();
  let consumed = 0;
  for await (const _ of runner.run(
    pipeline,
    Array.from({ length: 300 }, (_, i) => i),
    { capacity: { cpus: 2, gpus: 0 }, rebalanceAfter: 0 },
  )) {
    if (++consumed % 50 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(consumed, 300);
  for (const s of runner.stats())
    assert.ok(s.peakQueue <= 2 * s.workers, `${s.name} held ${s.peakQueue} items`);
});

test('a failing batch is recorded and the run goes on', async () => {
  const runner = new LocalRunner();
  const pipeline: Pipeline = {
    name: 'f',
    version: '1',
    stages: [stage('fail', 'failOn', { options: { bad: [3, 7] } })],
  };
  const out = await collect(
    runner.run(
      pipeline,
      Array.from({ length: 10 }, (_, i) => i),
    ),
  );
  assert.deepEqual([...out].sort(), [0, 1, 2, 4, 5, 6, 8, 9]);
  assert.deepEqual(
    runner.failures().map((f) => f.error),
    ['cannot take 3', 'cannot take 7'],
  );
  assert.equal(runner.stats()[0]!.failedBatches, 2);
});

test('aborting stops the run with ABORTED and ends every worker thread', async () => {
  const runner = new LocalRunner();
  const controller = new AbortController();
  const pipeline: Pipeline = {
    name: 'a',
    version: '1',
    stages: [stage('square', 'square', { threads: true, options: { spinMs: 5 } })],
  };
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of runner.run(
        pipeline,
        Array.from({ length: 1000 }, (_, i) => i),
        { signal: controller.signal, capacity: { cpus: 2, gpus: 0 } },
      )) {
        if (++seen === 5) controller.abort();
      }
    })(),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'ABORTED',
  );
  assert.ok(seen < 1000);
  assert.equal(runner.liveWorkers(), 0);
});

test('a stage whose module lacks the factory fails the run with a clear error', async () => {
  const runner = new LocalRunner();
  await assert.rejects(
    collect(runner.run({ name: 'x', version: '1', stages: [stage('nope', 'noSuchFactory')] }, [1])),
    /no factory export "noSuchFactory"/,
  );
  assert.equal(runner.liveWorkers(), 0);
});

test('the allocator feeds the bottleneck, respects capacity, and refuses GPU stages without a GPU', () => {
  const specs = [stage('decode', 'x'), stage('split', 'x'), stage('embed', 'x')];
  assert.deepEqual(allocateWorkers(specs, { cpus: 3, gpus: 0 }), [1, 1, 1]);
  // split handles 10 items/s per worker, the others 100: it gets the spare cores.
  assert.deepEqual(allocateWorkers(specs, { cpus: 8, gpus: 0 }, [100, 10, 100]), [1, 6, 1]);
  const gpu = [stage('decode', 'x'), stage('embed', 'x', { resources: { gpus: 0.5, cpus: 1 } })];
  assert.deepEqual(
    allocateWorkers(gpu, { cpus: 16, gpus: 1 }, [100, 10]),
    [1, 2],
    'two half-GPU workers on one GPU',
  );
  assert.throws(() => allocateWorkers(gpu, { cpus: 16, gpus: 0 }), /needs a GPU/);
});

test('a bounded queue makes pushers wait and hands out batches', async () => {
  const queue = new BoundedQueue<number>(2);
  await queue.push(1);
  await queue.push(2);
  let third = false;
  const pending = queue.push(3).then(() => {
    third = true;
  });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(third, false, 'push waits while the queue is full');
  assert.deepEqual(await queue.take(5), [1, 2]);
  await pending;
  queue.close();
  assert.deepEqual(await queue.take(5), [3]);
  assert.deepEqual(await queue.take(5), []);
});

test('stage telemetry is served to Prometheus', async () => {
  const runner = new LocalRunner();
  await collect(
    runner.run(
      { name: 'm', version: '1', stages: [stage('square', 'square'), stage('add', 'addOne')] },
      [1, 2, 3],
    ),
  );
  const endpoint = await serveMetrics(() => runner.stats(), { pipeline: 'm' });
  try {
    const text = await (await fetch(endpoint.url)).text();
    assert.match(text, /# TYPE orbis_stage_items_out_total counter/);
    assert.match(text, /orbis_stage_items_out_total\{pipeline="m",stage="add"\} 3/);
    assert.equal((await fetch(endpoint.url.replace('/metrics', '/'))).status, 404);
  } finally {
    await endpoint.close();
  }
});
