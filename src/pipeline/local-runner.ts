import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { abortError, OrbisError, toOrbisError } from '../core/index.js';
import { allocateWorkers, type Capacity } from './allocate.js';
import { BoundedQueue } from './queue.js';
import { type BatchFailure, emptyStats, type Runner, type RunOptions, type StageStats } from './runner.js';
import { createStage, type Pipeline, resourcesOf, type StageSpec } from './stage.js';

/** One worker of a stage: in a worker thread, or inline in this thread. */
interface StageWorker {
  process(items: unknown[]): Promise<{ out: unknown[]; busyMs: number }>;
  close(): Promise<void>;
}

// From TypeScript sources, threads start in a small .mjs that registers tsx's loader first.
const workerFile = new URL(
  import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker.js',
  import.meta.url,
);

async function threadWorker(spec: StageSpec): Promise<StageWorker> {
  const worker = new Worker(workerFile, {
    workerData: { name: spec.name, module: spec.module, factory: spec.factory, options: spec.options },
    execArgv: [],
  });
  const pending = new Map<
    number,
    { resolve: (v: { out: unknown[]; busyMs: number }) => void; reject: (e: Error) => void }
  >();
  let next = 0;
  let exited = false;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on(
      'message',
      (m: { type: string; id?: number; out?: unknown[]; busyMs?: number; error?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'setup-failed')
          reject(new OrbisError('INTERNAL', `stage "${spec.name}" failed to set up: ${m.error}`));
        else {
          const job = pending.get(m.id!);
          pending.delete(m.id!);
          if (m.type === 'done') job?.resolve({ out: m.out!, busyMs: m.busyMs! });
          else job?.reject(new Error(m.error));
        }
      },
    );
    worker.on('error', (error) => {
      reject(error);
      for (const job of pending.values()) job.reject(error);
      pending.clear();
    });
    worker.on('exit', () => {
      exited = true;
      for (const job of pending.values()) job.reject(new Error(`the worker of stage "${spec.name}" exited`));
      pending.clear();
    });
  });
  await ready;
  return {
    process(items) {
      if (exited) return Promise.reject(new Error(`the worker of stage "${spec.name}" has exited`));
      return new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'batch', id, items });
      });
    },
    async close() {
      if (exited) return;
      const gone = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ type: 'stop' });
      // A stage that hangs in teardown does not hold the run: it gets a moment, then the thread ends.
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await gone;
      clearTimeout(timer);
    },
  };
}

async function inlineWorker(spec: StageSpec): Promise<StageWorker> {
  const stage = await createStage(spec);
  await stage.setup?.();
  return {
    async process(items) {
      const started = performance.now();
      const out = await stage.process(items);
      return { out, busyMs: performance.now() - started };
    },
    async close() {
      await stage.teardown?.();
    },
  };
}

/**
 * Runs a pipeline in this process: a pool of workers per stage (worker threads for CPU-heavy stages),
 * bounded queues between stages so a fast stage waits for a slow one instead of filling memory, pools
 * sized from the hardware and re-sized once from measured rates, and cancellation through an AbortSignal.
 * A batch whose process() throws is recorded as a failure and the run goes on.
 */
export class LocalRunner implements Runner {
  private stageStats: StageStats[] = [];
  private batchFailures: BatchFailure[] = [];
  private live = 0;

  stats(): StageStats[] {
    return this.stageStats.map((s) => ({ ...s }));
  }

  failures(): BatchFailure[] {
    return [...this.batchFailures];
  }

  /** Workers (threads and inline) currently alive; 0 after a run ends, however it ends. */
  liveWorkers(): number {
    return this.live;
  }

  async *run(
    pipeline: Pipeline,
    inputs: AsyncIterable<unknown> | Iterable<unknown>,
    options: RunOptions = {},
  ): AsyncGenerator<unknown> {
    const { stages } = pipeline;
    if (stages.length === 0)
      throw new OrbisError('INVALID_ARGUMENT', `pipeline "${pipeline.name}" has no stages`);
    const controller = new AbortController();
    const outer = options.signal;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) throw abortError(outer.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const signal = controller.signal;

    const capacity: Capacity = options.capacity ?? { cpus: availableParallelism(), gpus: 0 };
    const allocation = allocateWorkers(stages, capacity);
    const started = performance.now();
    this.batchFailures = [];
    this.stageStats = stages.map((s) => emptyStats(s.name, 0));
    const perWorker = options.queueBatches ?? 2;
    const queues = stages.map(
      (s, i) =>
        new BoundedQueue<unknown>(Math.max(1, perWorker * (s.batchSize ?? 1) * allocation[i]!), signal),
    );
    const output = new BoundedQueue<unknown>(Math.max(64, perWorker * 8), signal);
    const next = (i: number): BoundedQueue<unknown> => queues[i + 1] ?? output;
    const pools: StageWorker[][] = stages.map(() => []);
    const loops: Promise<void>[][] = stages.map(() => []);
    let failure: unknown;
    const fail = (error: unknown): void => {
      failure ??= error;
      controller.abort(error);
    };

    const refresh = (): void => {
      const elapsed = (performance.now() - started) / 1000;
      for (const [i, s] of this.stageStats.entries()) {
        s.queueDepth = queues[i]!.depth;
        s.peakQueue = queues[i]!.peak;
        s.ratePerSecond = elapsed > 0 ? s.itemsOut / elapsed : 0;
        s.busyShare = elapsed > 0 && s.workers > 0 ? s.busyMs / 1000 / (elapsed * s.workers) : 0;
      }
      options.onStats?.(this.stats());
    };

    const addWorker = async (i: number): Promise<void> => {
      const spec = stages[i]!;
      const worker = await (spec.threads ? threadWorker(spec) : inlineWorker(spec));
      this.live++;
      pools[i]!.push(worker);
      this.stageStats[i]!.workers++;
      loops[i]!.push(work(i, worker).catch(fail));
    };
    // Workers being started; a stage's output closes only once these have joined and finished.
    const starting: Promise<void>[][] = stages.map(() => []);
    const pending = stages.map(() => 0);

    // Pools are re-sized from measurements every `rebalanceAfter` batches (only ever grown): early
    // measurements mislead (the first stage looks busiest before the later ones have work).
    const every = options.rebalanceAfter ?? 4;
    let nextRebalance = every;
    const maybeRebalance = (): void => {
      if (every <= 0) return;
      const done = this.stageStats.reduce((n, s) => n + s.batches, 0);
      if (done < nextRebalance || !this.stageStats.every((s) => s.batches >= 1)) return;
      nextRebalance = done + every;
      refresh();
      // Capacity relative to demand, per worker: a stage busy 95% of the time barely keeps up (the
      // bottleneck); one busy 10% could take ten times its load. Items are not comparable across stages
      // (one video in, many clips out); busy shares are.
      const rates = this.stageStats.map((s) => (s.busyShare > 0 ? 1 / (s.busyShare * s.workers) : 100));
      // Cores that workers hold but leave idle (a stage waiting on its inputs) can go to the bottleneck,
      // up to half the machine again: idle workers must not breed more workers.
      const idle = this.stageStats.reduce(
        (n, s, i) => n + s.workers * resourcesOf(stages[i]!).cpus * Math.max(0, 1 - s.busyShare),
        0,
      );
      const target = allocateWorkers(
        stages,
        { ...capacity, cpus: capacity.cpus + Math.min(idle, capacity.cpus / 2) },
        rates,
      );
      for (const [i, n] of target.entries()) {
        for (let k = pools[i]!.length + pending[i]!; k < n; k++) {
          pending[i]!++;
          starting[i]!.push(
            addWorker(i)
              .catch(fail)
              .finally(() => {
                pending[i]!--;
              }),
          );
        }
      }
    };

    const work = async (i: number, worker: StageWorker): Promise<void> => {
      const spec = stages[i]!;
      const stats = this.stageStats[i]!;
      for (;;) {
        const batch = await queues[i]!.take(spec.batchSize ?? 1);
        if (batch.length === 0) return;
        stats.itemsIn += batch.length;
        try {
          const { out, busyMs } = await worker.process(batch);
          stats.busyMs += busyMs;
          stats.batches++;
          for (const item of out) {
            await next(i).push(item);
            stats.itemsOut++;
          }
        } catch (error) {
          if (signal.aborted) throw error;
          stats.failedBatches++;
          this.batchFailures.push({
            stage: spec.name,
            items: batch.length,
            error: (error as Error).message ?? String(error),
          });
        }
        refresh();
        maybeRebalance();
      }
    };

    const feed = async (): Promise<void> => {
      for await (const item of inputs) await queues[0]!.push(item);
      queues[0]!.close();
    };

    try {
      for (const [i, n] of allocation.entries()) for (let k = 0; k < n; k++) await addWorker(i);
      feed().catch(fail);
      // Each stage's queue closes downstream once all of its workers (including ones added later) finish.
      stages.forEach((_, i) => {
        const drained = async (): Promise<void> => {
          let seen = -1;
          while (seen < loops[i]!.length + starting[i]!.length) {
            seen = loops[i]!.length + starting[i]!.length;
            await Promise.all([...starting[i]!, ...loops[i]!]);
          }
          next(i).close();
        };
        drained().catch(fail);
      });
      for (;;) {
        const items = await output.take(64);
        if (items.length === 0) break;
        for (const item of items) yield item;
      }
      if (failure) throw failure;
    } catch (error) {
      controller.abort(error);
      if (outer?.aborted) throw abortError(outer.reason);
      throw toOrbisError(failure ?? error);
    } finally {
      controller.abort(new Error('run finished'));
      outer?.removeEventListener('abort', onOuterAbort);
      await Promise.allSettled(starting.flat()); // a worker still starting joins the pool, then closes with it
      await Promise.all(
        pools.flat().map(async (w) => {
          await w.close().catch(() => {});
          this.live--;
        }),
      );
      refresh();
    }
  }
}
