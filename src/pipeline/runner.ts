import type { Capacity } from './allocate.js';
import type { Pipeline } from './stage.js';

/** Telemetry of one stage during and after a run. */
export interface StageStats {
  name: string;
  workers: number;
  itemsIn: number;
  itemsOut: number;
  batches: number;
  failedBatches: number;
  /** Time workers spent inside process(), summed over workers. */
  busyMs: number;
  /** Items waiting in front of the stage now, and at most. */
  queueDepth: number;
  peakQueue: number;
  /** Items out per second of wall time since the run started. */
  ratePerSecond: number;
  /** Share of the workers' time spent processing (1: the stage is the bottleneck). */
  busyShare: number;
}

/** A stage's counters before any work. */
export function emptyStats(name: string, workers: number): StageStats {
  return {
    name,
    workers,
    itemsIn: 0,
    itemsOut: 0,
    batches: 0,
    failedBatches: 0,
    busyMs: 0,
    queueDepth: 0,
    peakQueue: 0,
    ratePerSecond: 0,
    busyShare: 0,
  };
}

export interface BatchFailure {
  stage: string;
  items: number;
  error: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Hardware to size worker pools for; default: this machine's cores and GPUs. */
  capacity?: Capacity;
  /** Batches each queue holds per worker of the stage it feeds (default 2). */
  queueBatches?: number;
  /** Re-size pools from measured rates once every stage has done a batch and all together this many (default 4; 0: never). */
  rebalanceAfter?: number;
  /** Called whenever stage counters change (progress displays). */
  onStats?: (stats: StageStats[]) => void;
}

/**
 * Runs a pipeline over a stream of inputs and yields the last stage's outputs. The same pipeline
 * definition runs on any runner: in this process (LocalRunner) or across machines (a queue-backed runner).
 */
export interface Runner {
  run(
    pipeline: Pipeline,
    inputs: AsyncIterable<unknown> | Iterable<unknown>,
    options?: RunOptions,
  ): AsyncGenerator<unknown>;
  stats(): StageStats[];
  failures(): BatchFailure[];
}
