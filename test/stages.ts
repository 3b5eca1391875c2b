import { threadId } from 'node:worker_threads';
import type { StageImpl } from '../src/pipeline/index.js';

/** Stage factories for pipeline tests. */

/** Squares numbers after burning `spinMs` of CPU per item; reports which thread did it. */
export function square(options: { spinMs?: number } = {}): StageImpl<number, { value: number; thread: number }> {
  return {
    process(batch) {
      return batch.map((n) => {
        const until = performance.now() + (options.spinMs ?? 0);
        while (performance.now() < until) {
          // busy: a CPU-bound stage
        }
        return { value: n * n, thread: threadId };
      });
    },
  };
}

/** Adds one, after an optional await (an I/O-bound stage). */
export function addOne(options: { delayMs?: number } = {}): StageImpl<{ value: number; thread: number }, { value: number; thread: number }> {
  return {
    async process(batch) {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      return batch.map((x) => ({ ...x, value: x.value + 1 }));
    },
  };
}

/** Throws for batches holding any of `bad`. */
export function failOn(options: { bad: number[] }): StageImpl<number, number> {
  return {
    process(batch) {
      if (batch.some((n) => options.bad.includes(n))) throw new Error(`cannot take ${batch.join(',')}`);
      return batch;
    },
  };
}

/** Records setup and teardown in the thread that runs it. */
export function lifecycle(): StageImpl<number, string> {
  let state = 'new';
  return {
    setup() {
      state = `set up in thread ${threadId}`;
    },
    process(batch) {
      return batch.map(() => state);
    },
  };
}
