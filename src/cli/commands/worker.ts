import { OrbisError } from '../../core/index.js';
import { checkEngine, parseEngine, prometheusText, serveMetrics, startWorker } from '../../pipeline/index.js';
import { parseNumber } from '../args.js';
import type { CliContext } from '../context.js';

interface WorkerCliOptions {
  engine: string;
  stages?: string;
  gpus?: string;
  concurrency?: string;
  stallSeconds: string;
  metricsPort?: string;
}

/**
 * `orbis worker`: serve distributed runs until SIGTERM or Ctrl-C, then finish the jobs in hand (their locks
 * lapse after the grace period and other workers take them over) and leave.
 */
export async function workerCommand(ctx: CliContext, options: WorkerCliOptions): Promise<number> {
  const engine = parseEngine(options.engine);
  await checkEngine(engine);
  const gpuIds = options.gpus ? options.gpus.split(',').filter(Boolean) : [];
  if (gpuIds.some((g) => !/^\d+$/.test(g)))
    throw new OrbisError('INVALID_ARGUMENT', `--gpus must list GPU numbers like 0,1, not "${options.gpus}"`);
  // Stages build their models in this process: they see only the GPUs given.
  if (gpuIds.length) process.env.CUDA_VISIBLE_DEVICES = gpuIds.join(',');
  const worker = await startWorker({
    engine,
    log: ctx.log,
    gpus: gpuIds.length,
    stallSeconds: parseNumber('--stall-seconds', options.stallSeconds, { min: 1, max: 3600 }),
    ...(options.stages ? { stages: options.stages.split(',').map((s) => s.trim()) } : {}),
    ...(options.concurrency
      ? {
          concurrency: parseNumber('--concurrency', options.concurrency, { min: 1, max: 256, integer: true }),
        }
      : {}),
  });
  const metrics = options.metricsPort
    ? await serveMetrics(() => worker.stats(), {
        pipeline: 'worker',
        port: parseNumber('--metrics-port', options.metricsPort, { min: 0, max: 65535, integer: true }),
      })
    : undefined;
  ctx.log.info(
    `worker ${worker.id} on ${engine.display}${metrics ? `, metrics at ${metrics.url}` : ''}; stop with Ctrl-C or SIGTERM`,
  );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  ctx.log.info('stopping: finishing the jobs in hand...');
  await worker.close(10_000);
  await metrics?.close();
  ctx.result(
    worker.stats().map((s) => `${s.name}: ${s.itemsOut} items out of ${s.itemsIn} in`),
    { id: worker.id, stages: worker.stats(), metrics: prometheusText(worker.stats(), 'worker') },
  );
  return 0;
}
