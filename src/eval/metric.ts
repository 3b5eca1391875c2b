/**
 * The shape every metric shares, after torchmetrics: state that accumulates over `update` calls,
 * `compute` for the aggregate, `reset` to start over. Each metric also has a pure functional twin that
 * scores one pair; a metric updated frame by frame gives the same result as the function applied to each
 * frame and averaged.
 */
export interface Metric<Input, Output> {
  readonly name: string;
  update(pred: Input, target: Input): void;
  compute(): Output;
  reset(): void;
}

/** The usual output of an image metric over a video: the mean and every frame's value. */
export interface FrameScores {
  mean: number;
  perFrame: number[];
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
