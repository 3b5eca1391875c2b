import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type JobResult, runJob, type SimJob } from './run-job.js';

/** Marks a thread started to run sim jobs (the bundle starts itself as its own worker). */
export const SIM_WORKER_ROLE = 'orbis-sim-worker';

export type WorkerReply = { id: number; result: JobResult } | { id: number; error: string };

function transferables(result: JobResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const s of result.samples) {
    for (const m of Object.values(s.members ?? {}))
      if (typeof m !== 'string') buffers.add(m.buffer as ArrayBuffer);
  }
  return [...buffers];
}

/** Answer jobs posted by the pool, one at a time, until the pool closes the port. */
export function serveJobs(): void {
  const port = parentPort!;
  port.on('message', async (message: { id: number; job: SimJob }) => {
    try {
      const result = await runJob(message.job);
      port.postMessage({ id: message.id, result } satisfies WorkerReply, transferables(result));
    } catch (error) {
      port.postMessage({
        id: message.id,
        error: (error as Error).stack ?? String(error),
      } satisfies WorkerReply);
    }
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === SIM_WORKER_ROLE) serveJobs();
