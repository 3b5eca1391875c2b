import { randomUUID } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../core/index.js';
import {
  itemKey,
  jobId,
  key,
  localModule,
  ORBIS_VERSION,
  openJobs,
  PREFIX,
  queueName,
  type RunDescription,
} from './distributed.js';
import { connect, connectionOptions, type Engine } from './redis-connection.js';
import { emptyStats, type StageStats } from './runner.js';
import { createStage, resourcesOf, type StageImpl } from './stage.js';

export interface WorkerOptions {
  engine: Engine;
  /** Only these stages (default: every stage this machine's hardware fits). */
  stages?: readonly string[];
  /** GPUs this worker may use (default 0); stages that need GPUs go only to workers that have them. */
  gpus?: number;
  /** Jobs one stage runs at once in this process (default 1 for stages that use a core, 4 for others). */
  concurrency?: number;
  /** Seconds after which the job of a worker that stopped answering is given to another (default 30). */
  stallSeconds?: number;
  /** The Orbis version this worker announces (default: the installed one). */
  version?: string;
  log?: Logger;
}

export interface RunningWorker {
  readonly id: string;
  /** Per-stage counters of this worker, for its Prometheus endpoint. */
  stats(): StageStats[];
  /** Stop taking jobs, finish the ones in hand (or hand them back after `graceMs`), and disconnect. */
  close(graceMs?: number): Promise<void>;
}

/** The job options every stage's jobs get: retries with exponential backoff for transient errors. */
export const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

interface JobData {
  runId: string;
  item: unknown;
}

/**
 * A worker of the distributed runner (`orbis worker`): watches for runs, takes jobs from the queues of the
 * stages it can run, processes each item with the stage built from its own copy of the module (setup once
 * per run), queues the outputs for the next stage (or stores them as results), and keeps per-run counters.
 * Runs of another Orbis version are refused and reported to their coordinator.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const version = options.version ?? ORBIS_VERSION;
  const log = options.log ?? silentLogger;
  const redis: Redis = connect(options.engine);
  redis.on('error', () => {}); // ioredis reconnects; commands wait meanwhile
  const gpus = options.gpus ?? 0;
  const stallMs = (options.stallSeconds ?? 30) * 1000;
  const bullWorkers = new Map<string, Worker>();
  const queues = new Map<string, Queue>();
  const runs = new Map<string, RunDescription | 'refused'>();
  const impls = new Map<string, Promise<StageImpl>>();
  const counters = new Map<string, StageStats>();
  const started = performance.now();
  let closing = false;

  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: connectionOptions(options.engine), prefix: PREFIX });
      q.on('error', (error) => log.debug(`queue ${name}: ${error.message}`));
      queues.set(name, q);
    }
    return q;
  };

  const counter = (stage: string): StageStats => {
    let c = counters.get(stage);
    if (!c) {
      c = emptyStats(stage, 1);
      counters.set(stage, c);
    }
    return c;
  };

  const implFor = (run: RunDescription, stage: string): Promise<StageImpl> => {
    const k = `${run.id}:${stage}`;
    let impl = impls.get(k);
    if (!impl) {
      const spec = run.stages.find((s) => s.name === stage)!;
      impl = (async () => {
        const built = await createStage({ ...spec, module: localModule(spec.module) });
        await built.setup?.();
        return built;
      })();
      impls.set(k, impl);
    }
    return impl;
  };

  async function processJob(job: Job<JobData>, stageIndex: number): Promise<void> {
    const run = await describe(job.data.runId);
    if (!run) throw new UnrecoverableError(`run ${job.data.runId} has no description in Redis`);
    const spec = run.stages[stageIndex]!;
    const impl = await implFor(run, spec.name);
    const t0 = performance.now();
    const out = await impl.process([job.data.item]);
    const busyMs = performance.now() - t0;
    const next = run.stages[stageIndex + 1];
    const done = redis.multi();
    if (next && out.length) {
      const target = queue(
        queueName({ name: run.pipeline, version: run.pipelineVersion }, next.name, run.orbisVersion),
      );
      const children = out.map((item) => ({ item, id: jobId(run.id, next.name, item) }));
      // Into the open set before the jobs exist, and before this job leaves it: the set never empties early.
      await openJobs(
        redis,
        run.id,
        children.map((c) => c.id),
      );
      await target.addBulk(
        children.map((c) => ({
          name: 'item',
          data: { runId: run.id, item: c.item },
          opts: { ...JOB_OPTIONS, jobId: c.id },
        })),
      );
    } else if (out.length) {
      done.hset(
        key.results(run.id),
        Object.fromEntries(out.map((item) => [itemKey(item), JSON.stringify(item)])),
      );
    }
    const stats = key.stats(run.id, spec.name);
    await done
      .hincrby(stats, 'itemsIn', 1)
      .hincrby(stats, 'itemsOut', out.length)
      .hincrby(stats, 'batches', 1)
      .hincrbyfloat(stats, 'busyMs', busyMs)
      .sadd(key.done(run.id), job.id!)
      .srem(key.open(run.id), job.id!)
      .exec();
    const c = counter(spec.name);
    c.itemsIn++;
    c.itemsOut += out.length;
    c.batches++;
    c.busyMs += busyMs;
  }

  /** A job that failed for good: into the dead-letter hash with its reason, out of the open set. */
  async function failed(job: Job<JobData> | undefined, error: Error, stage: string): Promise<void> {
    if (!job) return;
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) return;
    const reason = JSON.stringify({
      stage,
      error: error.message,
      attempts: job.attemptsMade,
      at: new Date().toISOString(),
    });
    await redis
      .multi()
      .hset(key.dead(job.data.runId), job.id!, reason)
      .hincrby(key.stats(job.data.runId, stage), 'failedBatches', 1)
      .sadd(key.done(job.data.runId), job.id!)
      .srem(key.open(job.data.runId), job.id!)
      .exec();
    counter(stage).failedBatches++;
    log.warn(`job ${job.id} failed for good: ${error.message}`);
  }

  function serve(run: RunDescription): void {
    run.stages.forEach((spec, index) => {
      if (options.stages && !options.stages.includes(spec.name)) return;
      if (resourcesOf(spec).gpus > gpus) return;
      const name = queueName(
        { name: run.pipeline, version: run.pipelineVersion },
        spec.name,
        run.orbisVersion,
      );
      if (bullWorkers.has(name)) return;
      const concurrency = options.concurrency ?? (resourcesOf(spec).cpus >= 1 ? 1 : 4);
      const worker = new Worker<JobData>(name, (job) => processJob(job, index), {
        connection: connectionOptions(options.engine),
        prefix: PREFIX,
        concurrency,
        lockDuration: stallMs,
        stalledInterval: stallMs,
        maxStalledCount: 2,
      });
      worker.on('failed', (job, error) => void failed(job, error, spec.name).catch(() => {}));
      worker.on('error', (error) => log.debug(`queue ${name}: ${error.message}`));
      bullWorkers.set(name, worker);
      log.info(`serving ${spec.name} of ${run.pipeline}@${run.pipelineVersion} (concurrency ${concurrency})`);
    });
  }

  /** A run's description (cached); undefined for a run this worker refuses or that is gone. */
  async function describe(runId: string): Promise<RunDescription | undefined> {
    const known = runs.get(runId);
    if (known) return known === 'refused' ? undefined : known;
    const text = await redis.hget(key.run(runId), 'description');
    if (!text) return undefined;
    const run = JSON.parse(text) as RunDescription;
    if (run.orbisVersion !== version) {
      runs.set(runId, 'refused');
      await redis.sadd(key.mismatch(runId), `${id} runs Orbis ${version}`);
      log.warn(
        `run ${runId} needs Orbis ${run.orbisVersion}; this worker is ${version}, so it takes none of its jobs`,
      );
      return undefined;
    }
    runs.set(runId, run);
    return run;
  }

  async function discover(): Promise<void> {
    for (const runId of await redis.smembers(key.runs)) {
      if (runs.has(runId)) continue;
      const run = await describe(runId);
      if (run) serve(run);
    }
  }

  async function heartbeat(): Promise<void> {
    await redis.set(
      key.worker(id),
      JSON.stringify({
        id,
        host: hostname(),
        pid: process.pid,
        version,
        gpus,
        cpus: availableParallelism(),
        queues: [...bullWorkers.keys()],
      }),
      'EX',
      Math.max(5, Math.ceil((3 * stallMs) / 1000)),
    );
  }

  await heartbeat();
  await discover();
  const timer = setInterval(() => {
    if (closing) return;
    Promise.all([heartbeat(), discover()]).catch((error) =>
      log.debug(`worker loop: ${(error as Error).message}`),
    );
  }, 1000);

  return {
    id,
    stats() {
      const seconds = (performance.now() - started) / 1000;
      return [...counters.values()].map((c) => ({
        ...c,
        ratePerSecond: c.itemsOut / Math.max(seconds, 1e-3),
        busyShare: Math.min(1, c.busyMs / 1000 / Math.max(seconds, 1e-3)),
      }));
    },
    async close(graceMs = 30_000) {
      closing = true;
      clearInterval(timer);
      // Finish the jobs in hand; past the grace period, close without waiting: their locks lapse and other
      // workers take them over as stalled jobs.
      let finished = false;
      const finishing = Promise.all([...bullWorkers.values()].map((w) => w.close())).then(() => {
        finished = true;
      });
      await Promise.race([finishing, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      if (!finished) await Promise.all([...bullWorkers.values()].map((w) => w.close(true)));
      for (const impl of impls.values()) await (await impl.catch(() => undefined))?.teardown?.();
      await Promise.all([...queues.values()].map((q) => q.close()));
      await redis.del(key.worker(id)).catch(() => {});
      redis.disconnect();
    },
  };
}
