export { allocateWorkers, type Capacity } from './allocate.js';
export { key as redisKeys, ORBIS_VERSION, type RunDescription } from './distributed.js';
export { LocalRunner } from './local-runner.js';
export { prometheusText, serveMetrics } from './metrics.js';
export { BoundedQueue } from './queue.js';
export { checkEngine, type Engine, parseEngine } from './redis-connection.js';
export { liveWorkers, RedisRunner, type RedisRunnerOptions } from './redis-runner.js';
export { type RunningWorker, startWorker, type WorkerOptions } from './redis-worker.js';
export { type RunStatus, runStatus } from './run-status.js';
export type { BatchFailure, Runner, RunOptions, StageStats } from './runner.js';
export {
  createStage,
  type Pipeline,
  type Resources,
  resourcesOf,
  type StageFactory,
  type StageImpl,
  type StageSpec,
} from './stage.js';
