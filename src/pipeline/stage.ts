/**
 * A pipeline is an ordered list of stages. A stage declares what it needs as data (resources, batch size,
 * whether it runs in worker threads) and names the module and factory that build it, so any runner (this
 * process's worker threads, or other machines) can construct it where it runs: `setup()` runs there.
 */

export interface Resources {
  /** CPU cores one worker of the stage keeps busy. */
  cpus: number;
  /** GPUs one worker needs; fractions share a GPU (0.25: four workers per GPU). */
  gpus: number;
  gpuMemGiB: number;
}

/** What a stage's factory returns: the code that processes batches. */
export interface StageImpl<In = unknown, Out = unknown> {
  setup?(): Promise<void> | void;
  /** One output list per batch; per-item failures belong on the items, not thrown through the batch. */
  process(batch: In[]): Promise<Out[]> | Out[];
  teardown?(): Promise<void> | void;
}

export interface StageSpec {
  name: string;
  /** URL (or absolute path) of the module that exports the factory. */
  module: string;
  /** Name of the factory export: (options) => StageImpl. */
  factory: string;
  /** Passed to the factory; must survive structured cloning (it crosses into worker threads). */
  options?: unknown;
  resources?: Partial<Resources>;
  /** Items per `process` call (default 1). */
  batchSize?: number;
  /**
   * true: CPU-heavy TypeScript, run in worker threads so every core works. false (default): run in the main
   * thread, for stages that wait on I/O or child processes (ffmpeg) and so need no thread of their own.
   */
  threads?: boolean;
  /** Upper bound on this stage's workers. */
  maxWorkers?: number;
}

export interface Pipeline {
  name: string;
  /** Changes whenever stage behaviour changes; distributed workers refuse to run another version. */
  version: string;
  stages: StageSpec[];
}

export function resourcesOf(stage: StageSpec): Resources {
  return {
    cpus: stage.resources?.cpus ?? 1,
    gpus: stage.resources?.gpus ?? 0,
    gpuMemGiB: stage.resources?.gpuMemGiB ?? 0,
  };
}

export type StageFactory = (options: unknown) => StageImpl | Promise<StageImpl>;

/** Build a stage's implementation from its spec, in whatever thread or process runs it. */
export async function createStage(
  spec: Pick<StageSpec, 'module' | 'factory' | 'options' | 'name'>,
): Promise<StageImpl> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const factory = mod[spec.factory];
  if (typeof factory !== 'function') {
    throw new Error(`stage "${spec.name}": ${spec.module} has no factory export "${spec.factory}"`);
  }
  return await (factory as StageFactory)(spec.options);
}
