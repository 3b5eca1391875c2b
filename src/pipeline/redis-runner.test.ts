import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis } from '../../test/redis.js';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { key, openJobs } from './distributed.js';
import { checkEngine, connect, parseEngine } from './redis-connection.js';
import { RedisRunner } from './redis-runner.js';
import { type RunningWorker, startWorker } from './redis-worker.js';
import type { Pipeline } from './stage.js';

const dir = tempDir();
let redis: TestRedis;
const stages = new URL('../../test/stages.ts', import.meta.url).href;

const pipeline = (name: string): Pipeline => ({
  name,
  version: '1',
  stages: [
    { name: 'square', module: stages, factory: 'square', resources: { cpus: 1 } },
    { name: 'add', module: stages, factory: 'addOne', resources: { cpus: 0 } },
  ],
});

before(async () => {
  redis = await startRedis(join(dir, 'redis'));
});
after(async () => {
  await redis.stop();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return OrbisError.isInstance(error) ? error.code : String(error);
  }
}

test('two workers run a pipeline through Redis and the coordinator gets every result once', {
  timeout: 120_000,
}, async () => {
  const engine = parseEngine(redis.url);
  const workers = [await startWorker({ engine }), await startWorker({ engine })];
  try {
    const runner = new RedisRunner(engine);
    const out: { value: number }[] = [];
    for await (const item of runner.run(pipeline('toy'), [1, 2, 3, 4, 5, 6, 7, 8]))
      out.push(item as { value: number });
    assert.deepEqual(
      out.map((o) => o.value).sort((a, b) => a - b),
      [2, 5, 10, 17, 26, 37, 50, 65],
    );
    const stats = runner.stats();
    assert.deepEqual(
      stats.map((s) => [s.name, s.itemsIn, s.itemsOut]),
      [
        ['square', 8, 8],
        ['add', 8, 8],
      ],
    );
    // Rerunning the same inputs is the same run: it finds the results and queues nothing new.
    const again: unknown[] = [];
    for await (const item of new RedisRunner(engine).run(pipeline('toy'), [1, 2, 3, 4, 5, 6, 7, 8]))
      again.push(item);
    assert.equal(again.length, 8);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
});

test('a job that keeps failing is retried, then dead-lettered with its reason; the run still ends', {
  timeout: 120_000,
}, async () => {
  const engine = parseEngine(redis.url);
  const worker = await startWorker({ engine });
  const failing: Pipeline = {
    name: 'failing',
    version: '1',
    stages: [
      { name: 'check', module: stages, factory: 'failOn', options: { bad: [3] }, resources: { cpus: 0 } },
    ],
  };
  try {
    const runner = new RedisRunner(engine);
    const out: unknown[] = [];
    for await (const item of runner.run(failing, [1, 2, 3, 4])) out.push(item);
    assert.deepEqual(out.map(Number).sort(), [1, 2, 4]);
    assert.deepEqual(runner.failures(), [{ stage: 'check', items: 1, error: 'cannot take 3' }]);
  } finally {
    await worker.close();
  }
});

test('a worker of another Orbis version takes none of the jobs, and the coordinator says so', {
  timeout: 120_000,
}, async () => {
  const engine = parseEngine(redis.url);
  const stale: RunningWorker = await startWorker({ engine, version: '0.0.1-old' });
  try {
    const runner = new RedisRunner(engine, { noWorkerSeconds: 3, pollMs: 200 });
    const run = (async () => {
      for await (const _ of runner.run(pipeline('versions'), [1])) {
        // nothing arrives
      }
    })();
    assert.equal(await codeOf(run), 'PIPELINE_VERSION_MISMATCH');
  } finally {
    await stale.close();
  }
});

test('an unreachable Redis, a wrong password, and a URL that is not Redis are clear errors', async () => {
  const secured = await startRedis(join(dir, 'redis-auth'), { password: 's3cret' });
  try {
    assert.equal(await codeOf(checkEngine(parseEngine(secured.url))), 'ok');
    const wrong = secured.url.replace('s3cret', 'nope');
    assert.equal(await codeOf(checkEngine(parseEngine(wrong))), 'REDIS_AUTH_FAILED');
    assert.equal(
      await codeOf(checkEngine(parseEngine(`redis://127.0.0.1:${secured.port}`))),
      'REDIS_AUTH_FAILED',
    );
  } finally {
    await secured.stop();
  }
  const down = await codeOf(checkEngine(parseEngine(`redis://127.0.0.1:${redis.port + 1}`)));
  assert.equal(down, 'REDIS_UNREACHABLE');
  assert.equal(
    await codeOf(Promise.resolve().then(() => parseEngine('http://localhost:6379'))),
    'ENGINE_INVALID',
  );
  try {
    await checkEngine(parseEngine(secured.url.replace('s3cret', 'nope')));
  } catch (error) {
    assert.ok(!String((error as Error).message).includes('nope'), 'the password is not printed');
  }
});

test('a parent job run twice cannot reopen a child that finished meanwhile', async () => {
  const engine = parseEngine(redis.url);
  const client = connect(engine);
  try {
    await client.sadd(key.done('reopen'), 'child-a');
    await openJobs(client, 'reopen', ['child-a', 'child-b']);
    assert.deepEqual(await client.smembers(key.open('reopen')), ['child-b']);
  } finally {
    client.disconnect();
  }
});
