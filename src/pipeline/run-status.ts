import { OrbisError } from '../core/index.js';
import { key, type RunDescription } from './distributed.js';
import { checkEngine, connect, type Engine } from './redis-connection.js';
import { liveWorkers } from './redis-runner.js';

export interface RunStatus {
  id: string;
  status: string;
  pipeline: string;
  orbisVersion: string;
  createdAt: string;
  finishedAt?: string;
  inputs: number;
  openJobs: number;
  stages: { name: string; itemsIn: number; itemsOut: number; failedBatches: number; busyMs: number }[];
  failed: { job: string; stage: string; error: string }[];
  workers: { id: string; version: string }[];
}

/** A distributed run as Redis knows it, from any machine that reaches it (`orbis runs status`). */
export async function runStatus(engine: Engine, id: string): Promise<RunStatus> {
  await checkEngine(engine);
  const redis = connect(engine);
  try {
    const run = await redis.hgetall(key.run(id));
    if (!run.description)
      throw new OrbisError('RUN_NOT_FOUND', `no run ${id} in ${engine.display}`, {
        hint: 'the id is printed by orbis curate --engine; check the --engine URL',
      });
    const description = JSON.parse(run.description) as RunDescription;
    const stages = await Promise.all(
      description.stages.map(async (s) => {
        const c = await redis.hgetall(key.stats(id, s.name));
        return {
          name: s.name,
          itemsIn: Number(c.itemsIn ?? 0),
          itemsOut: Number(c.itemsOut ?? 0),
          failedBatches: Number(c.failedBatches ?? 0),
          busyMs: Number(c.busyMs ?? 0),
        };
      }),
    );
    const failed = Object.entries(await redis.hgetall(key.dead(id))).map(([job, text]) => {
      const d = JSON.parse(text) as { stage: string; error: string };
      return { job, stage: d.stage, error: d.error };
    });
    return {
      id,
      status: run.status ?? description.status,
      pipeline: `${description.pipeline}@${description.pipelineVersion}`,
      orbisVersion: description.orbisVersion,
      createdAt: description.createdAt,
      ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
      inputs: description.inputs,
      openJobs: await redis.scard(key.open(id)),
      stages,
      failed,
      workers: (await liveWorkers(redis)).map((w) => ({ id: w.id, version: w.version })),
    };
  } finally {
    redis.disconnect();
  }
}
