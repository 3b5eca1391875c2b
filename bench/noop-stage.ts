import type { StageImpl } from '../src/pipeline/index.js';

/** A stage that does nothing: what is left of a job's time is the engine's own overhead. */
export function identity(): StageImpl {
  return { process: (batch) => batch };
}
