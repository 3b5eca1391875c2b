import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import type { Pipeline, StageSpec } from './stage.js';

/**
 * What the coordinator and the workers of the distributed runner agree on: names of queues and keys, how an
 * item's key is derived, and how stage modules are named across machines.
 *
 * Keys (prefix `orbis:`): `runs` (set of active run ids); `run:<id>` (hash: the run's description);
 * `run:<id>:open` (set of job ids not finished: a job adds its children before it removes itself, so the
 * set is empty only when the run is complete) and `run:<id>:done` (job ids finished, so that a parent run
 * twice cannot reopen them); `run:<id>:results` (hash: item key -> last stage's output,
 * so a job done twice writes the same field twice); `run:<id>:dead` (hash: job id -> why it failed for good);
 * `run:<id>:stats:<stage>` (hash of counters); `worker:<id>` (a worker's heartbeat, with a time to live).
 */
export const PREFIX = 'orbis';

export const key = {
  runs: `${PREFIX}:runs`,
  run: (id: string) => `${PREFIX}:run:${id}`,
  open: (id: string) => `${PREFIX}:run:${id}:open`,
  done: (id: string) => `${PREFIX}:run:${id}:done`,
  results: (id: string) => `${PREFIX}:run:${id}:results`,
  dead: (id: string) => `${PREFIX}:run:${id}:dead`,
  stats: (id: string, stage: string) => `${PREFIX}:run:${id}:stats:${stage}`,
  mismatch: (id: string) => `${PREFIX}:run:${id}:mismatch`,
  worker: (id: string) => `${PREFIX}:worker:${id}`,
  workers: `${PREFIX}:worker:*`,
};

/**
 * Put job ids in the open set unless they are done already, atomically: a parent job that runs twice
 * (its worker died after queueing the children) must not reopen a child that has finished meanwhile.
 */
export const OPEN_UNLESS_DONE = `for _, id in ipairs(ARGV) do
  if redis.call('sismember', KEYS[2], id) == 0 then redis.call('sadd', KEYS[1], id) end
end
return 1`;

export async function openJobs(redis: Redis, runId: string, ids: readonly string[]): Promise<void> {
  if (ids.length) await redis.eval(OPEN_UNLESS_DONE, 2, key.open(runId), key.done(runId), ...ids);
}

/** The version of this Orbis install: workers take only runs whose coordinator has the same one. */
export const ORBIS_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A stage module as a path inside the Orbis package, so a worker installed elsewhere finds its own copy. */
export function portableModule(module: string): string {
  return module.startsWith('file:') ? relative(root, fileURLToPath(module)) : module;
}

export function localModule(portable: string): string {
  return /^[a-z]+:/.test(portable) ? portable : pathToFileURL(`${root}${portable}`).href;
}

/** One queue per stage and pipeline version: a worker of another version never sees the jobs. */
export function queueName(
  pipeline: Pick<Pipeline, 'name' | 'version'>,
  stage: string,
  version = ORBIS_VERSION,
): string {
  return `${pipeline.name}@${pipeline.version}-${version}.${stage}`.replace(/[:\s]/g, '_');
}

/** An item's key: its own `id` when it has one (clips), else a hash of its content. */
export function itemKey(item: unknown): string {
  const id = (item as { id?: unknown } | null)?.id;
  if (typeof id === 'string' && /^[\w-]{1,64}$/.test(id)) return id;
  return createHash('sha256').update(canonical(item)).digest('hex').slice(0, 24);
}

export function jobId(runId: string, stage: string, item: unknown): string {
  return `${runId}.${stage}.${itemKey(item)}`;
}

/** JSON with object keys sorted, so equal items hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** A run's description, as stored in Redis for workers and `orbis runs status`. */
export interface RunDescription {
  id: string;
  pipeline: string;
  pipelineVersion: string;
  orbisVersion: string;
  stages: (Omit<StageSpec, 'module'> & { module: string })[];
  createdAt: string;
  status: 'running' | 'done' | 'failed';
  inputs: number;
}

/** The run id: the same pipeline over the same inputs is the same run, so rerunning resumes it. */
export function runIdOf(pipeline: Pipeline, inputs: readonly unknown[]): string {
  return createHash('sha256')
    .update(
      canonical({
        name: pipeline.name,
        version: pipeline.version,
        stages: pipeline.stages.map((s) => ({ ...s, module: portableModule(s.module) })),
        inputs,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}
