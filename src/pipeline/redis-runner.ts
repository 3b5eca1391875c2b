import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { abortError, type Logger, OrbisError, silentLogger } from '../core/index.js';
import {
  jobId,
  key,
  ORBIS_VERSION,
  openJobs,
  PREFIX,
  portableModule,
  queueName,
  type RunDescription,
  runIdOf,
} from './distributed.js';
import { checkEngine, connect, connectionOptions, type Engine } from './redis-connection.js';
import { JOB_OPTIONS } from './redis-worker.js';
import type { BatchFailure, Runner, RunOptions, StageStats } from './runner.js';
import type { Pipeline } from './stage.js';

export interface RedisRunnerOptions {
  /** Run id (default: derived from the pipeline and its inputs, so rerunning the same command resumes). */
  runId?: string;
  log?: Logger;
  /** How long jobs may wait with no worker able to take them before the run fails (default 60 s). */
  noWorkerSeconds?: number;
  pollMs?: number;
}

/**
 * The coordinator side of the distributed runner: the same Runner interface as LocalRunner, on BullMQ and
 * Redis. It describes the run in Redis (stages as data, modules as paths inside the Orbis package), queues
 * one job per input for the first stage with a content-derived job id, then follows the run's open-job set
 * and counters until every job is finished, and yields the last stage's results. Workers (`orbis worker`,
 * any number, on any machine that reaches Redis and the shared storage) do the work. A coordinator that
 * stops can be started again with the same inputs: the run id is the same, existing jobs are not queued
 * twice, and results already stored are kept.
 */
export class RedisRunner implements Runner {
  private lastStats: StageStats[] = [];
  private dead: BatchFailure[] = [];
  runId: string | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly options: RedisRunnerOptions = {},
  ) {}

  stats(): StageStats[] {
    return this.lastStats.map((s) => ({ ...s }));
  }

  failures(): BatchFailure[] {
    return [...this.dead];
  }

  async *run(
    pipeline: Pipeline,
    inputs: AsyncIterable<unknown> | Iterable<unknown>,
    options: RunOptions = {},
  ): AsyncGenerator<unknown> {
    const log = this.options.log ?? silentLogger;
    const signal = options.signal;
    await checkEngine(this.engine);
    const redis = connect(this.engine);
    redis.on('error', (error) => log.debug(`redis: ${error.message}`));
    const list: unknown[] = [];
    for await (const input of inputs) list.push(input);
    const runId = this.options.runId ?? runIdOf(pipeline, list);
    this.runId = runId;
    const first = pipeline.stages[0];
    if (!first) throw new OrbisError('INVALID_ARGUMENT', `pipeline "${pipeline.name}" has no stages`);
    const firstQueue = quiet(
      new Queue(queueName(pipeline, first.name), {
        connection: connectionOptions(this.engine),
        prefix: PREFIX,
      }),
      log,
    );
    const started = performance.now();
    try {
      const description: RunDescription = {
        id: runId,
        pipeline: pipeline.name,
        pipelineVersion: pipeline.version,
        orbisVersion: ORBIS_VERSION,
        stages: pipeline.stages.map((s) => ({ ...s, module: portableModule(s.module) })),
        createdAt: new Date().toISOString(),
        status: 'running',
        inputs: list.length,
      };
      const existing = await redis.hget(key.run(runId), 'description');
      if (existing) log.info(`resuming run ${runId}`);
      else await redis.hset(key.run(runId), 'description', JSON.stringify(description));
      await redis.hset(key.run(runId), 'status', 'running');
      await redis.sadd(key.runs, runId);
      // One job per input; an input whose job exists already (a resumed run) is not queued again.
      for (let at = 0; at < list.length; at += 500) {
        const chunk = list.slice(at, at + 500).map((item) => ({ item, id: jobId(runId, first.name, item) }));
        const existing = await Promise.all(chunk.map((c) => firstQueue.getJob(c.id)));
        const fresh = chunk.filter((_, i) => !existing[i]);
        if (fresh.length === 0) continue;
        await openJobs(
          redis,
          runId,
          fresh.map((c) => c.id),
        );
        await firstQueue.addBulk(
          fresh.map((c) => ({
            name: 'item',
            data: { runId, item: c.item },
            opts: { ...JOB_OPTIONS, jobId: c.id },
          })),
        );
      }
      log.info(`run ${runId}: ${list.length} inputs queued on ${this.engine.display}`);
      await this.follow(redis, pipeline, runId, started, options, signal);
      const results = await redis.hgetall(key.results(runId));
      await redis.hset(key.run(runId), 'status', 'done', 'finishedAt', new Date().toISOString());
      await redis.srem(key.runs, runId);
      for (const text of Object.values(results)) yield JSON.parse(text);
    } finally {
      await firstQueue.close();
      redis.disconnect();
    }
  }

  /** Wait until the run's open set is empty, publishing stats; fail when no worker can take the jobs. */
  private async follow(
    redis: Redis,
    pipeline: Pipeline,
    runId: string,
    started: number,
    options: RunOptions,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const queues = pipeline.stages.map((s) =>
      quiet(
        new Queue(queueName(pipeline, s.name), {
          connection: connectionOptions(this.engine),
          prefix: PREFIX,
        }),
        this.options.log ?? silentLogger,
      ),
    );
    const patience = (this.options.noWorkerSeconds ?? 60) * 1000;
    let idleSince = performance.now();
    try {
      for (;;) {
        if (signal?.aborted) throw abortError(signal.reason);
        const open = await redis.scard(key.open(runId));
        const workers = await liveWorkers(redis);
        await this.refresh(redis, pipeline, runId, queues, workers, started);
        options.onStats?.(this.stats());
        if (open === 0) return;
        const serving = workers.filter((w) => w.queues.some((q) => q.startsWith(queueName(pipeline, ''))));
        if (serving.length > 0) idleSince = performance.now();
        else if (performance.now() - idleSince > patience) {
          const refused = await redis.smembers(key.mismatch(runId));
          if (refused.length)
            throw new OrbisError(
              'PIPELINE_VERSION_MISMATCH',
              `no worker runs Orbis ${ORBIS_VERSION} for run ${runId}; ${refused.length} refused it: ${refused.slice(0, 3).join('; ')}`,
              {
                hint: 'install the same Orbis version on the workers (or run this one), then rerun this command to resume',
              },
            );
          throw new OrbisError(
            'NO_WORKERS',
            `no worker has taken run ${runId}'s jobs for ${patience / 1000} s`,
            {
              hint: `start workers: orbis worker --engine ${this.engine.display}, then rerun this command to resume`,
            },
          );
        }
        await sleep(this.options.pollMs ?? 500, undefined, signal ? { signal } : {}).catch(() => {});
      }
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  }

  private async refresh(
    redis: Redis,
    pipeline: Pipeline,
    runId: string,
    queues: Queue[],
    workers: WorkerBeat[],
    started: number,
  ): Promise<void> {
    const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
    this.lastStats = await Promise.all(
      pipeline.stages.map(async (s, i) => {
        const c = await redis.hgetall(key.stats(runId, s.name));
        const depth = (await queues[i]!.getJobCounts('waiting', 'delayed', 'prioritized')) as Record<
          string,
          number
        >;
        const queueDepth = Object.values(depth).reduce((a, b) => a + b, 0);
        const name = queueName(pipeline, s.name);
        const n = workers.filter((w) => w.queues.includes(name)).length;
        const busyMs = Number(c.busyMs ?? 0);
        const itemsOut = Number(c.itemsOut ?? 0);
        const previous = this.lastStats.find((p) => p.name === s.name);
        return {
          name: s.name,
          workers: n,
          itemsIn: Number(c.itemsIn ?? 0),
          itemsOut,
          batches: Number(c.batches ?? 0),
          failedBatches: Number(c.failedBatches ?? 0),
          busyMs,
          queueDepth,
          peakQueue: Math.max(previous?.peakQueue ?? 0, queueDepth),
          ratePerSecond: itemsOut / seconds,
          busyShare: n ? Math.min(1, busyMs / 1000 / (seconds * n)) : 0,
        };
      }),
    );
    const dead = await redis.hgetall(key.dead(runId));
    this.dead = Object.values(dead).map((text) => {
      const d = JSON.parse(text) as { stage: string; error: string };
      return { stage: d.stage, items: 1, error: d.error };
    });
  }
}

interface WorkerBeat {
  id: string;
  host: string;
  version: string;
  queues: string[];
}

/** Workers whose heartbeat has not expired. */
export async function liveWorkers(redis: Redis): Promise<WorkerBeat[]> {
  const found: WorkerBeat[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', key.workers, 'COUNT', 100);
    cursor = next;
    if (keys.length === 0) continue;
    for (const text of await redis.mget(...keys)) if (text) found.push(JSON.parse(text) as WorkerBeat);
  } while (cursor !== '0');
  return found;
}

/** A queue whose connection errors (Redis restarting, say) go to the debug log: ioredis reconnects. */
function quiet(queue: Queue, log: Logger): Queue {
  queue.on('error', (error) => log.debug(`queue ${queue.name}: ${error.message}`));
  return queue;
}
