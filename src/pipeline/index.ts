export { allocateWorkers, type Capacity } from './allocate.js';
export { LocalRunner } from './local-runner.js';
export { prometheusText, serveMetrics } from './metrics.js';
export { BoundedQueue } from './queue.js';
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
