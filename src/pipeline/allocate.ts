import { OrbisError } from '../core/index.js';
import { resourcesOf, type StageSpec } from './stage.js';

export interface Capacity {
  cpus: number;
  gpus: number;
}

/**
 * Workers per stage so that no stage starves the next: every stage gets one, then the stage with the least
 * throughput (measured items per second per worker x workers; equal until measured) gets one more, while
 * its CPU and GPU needs fit what is left. Fractional GPU shares pack several workers on one GPU.
 */
export function allocateWorkers(
  stages: readonly StageSpec[],
  capacity: Capacity,
  ratePerWorker?: readonly number[],
): number[] {
  const needs = stages.map(resourcesOf);
  for (const [i, need] of needs.entries()) {
    if (need.gpus > 0 && capacity.gpus <= 0) {
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `stage "${stages[i]!.name}" needs a GPU, and this machine has none`,
        {
          hint: 'run it on a GPU machine (orbis worker), or configure a CPU variant of the stage',
        },
      );
    }
  }
  const workers = stages.map(() => 1);
  let cpus = capacity.cpus - needs.reduce((n, r) => n + r.cpus, 0);
  let gpus = capacity.gpus - needs.reduce((n, r) => n + r.gpus, 0);
  const rate = (i: number): number => (ratePerWorker?.[i] ?? 1) * workers[i]!;
  for (;;) {
    const candidates = stages
      .map((_, i) => i)
      .filter((i) => workers[i]! < (stages[i]!.maxWorkers ?? Infinity))
      // Up to a quarter of a core of overcommit: stage workers also wait (on I/O, on child processes).
      .filter((i) => needs[i]!.cpus <= cpus + 0.25 + 1e-9 && needs[i]!.gpus <= gpus + 1e-9);
    if (candidates.length === 0) break;
    const slowest = candidates.reduce((best, i) => (rate(i) < rate(best) ? i : best));
    // Stop adding once the slowest stage is not the pipeline's bottleneck: a worker there would not help.
    const bottleneck = stages.map((_, i) => rate(i)).reduce((a, b) => Math.min(a, b));
    if (rate(slowest) > bottleneck) break;
    workers[slowest]!++;
    cpus -= needs[slowest]!.cpus;
    gpus -= needs[slowest]!.gpus;
  }
  return workers;
}
