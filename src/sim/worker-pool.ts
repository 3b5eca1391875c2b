import { Worker } from 'node:worker_threads';
import { type JobResult, runJob, type SimJob } from './run-job.js';
import { SIM_WORKER_ROLE, type WorkerReply } from './sim-worker.js';

/**
 * Runs sim jobs on worker threads (one job at a time per thread), or inline when `threads` is 1.
 * From the TypeScript sources a thread starts through worker-entry.mjs (which registers tsx); from a
 * single-file bundle, the bundle itself is the worker (sim-worker.ts starts serving when it sees its role).
 */
export class SimPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: JobResult) => void; reject: (e: Error) => void }
  >();
  private next = 0;

  constructor(readonly threads: number) {
    if (threads <= 1) return;
    const entry = import.meta.url.endsWith('.ts')
      ? new URL('./worker-entry.mjs', import.meta.url)
      : new URL(import.meta.url);
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(entry, { workerData: { role: SIM_WORKER_ROLE }, execArgv: [] });
      worker.on('message', (reply: WorkerReply) => {
        const task = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if ('error' in reply) task?.reject(new Error(reply.error));
        else task?.resolve(reply.result);
        this.release(worker);
      });
      worker.on('error', (error) => {
        for (const task of this.pending.values()) task.reject(error);
        this.pending.clear();
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.waiting.shift()?.();
  }

  async run(job: SimJob): Promise<JobResult> {
    if (this.workers.length === 0) return runJob(job);
    while (this.idle.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const worker = this.idle.pop()!;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
