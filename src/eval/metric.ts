import { OrbisError } from '../core/index.js';

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

/** The result of an image metric over frames; refuses to summarize nothing. */
export function frameScores(name: string, values: readonly number[]): FrameScores {
  if (values.length === 0) {
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `${name}: no frames were scored (compute() before any update(), or an empty clip)`,
      {
        hint: 'check that both videos decode to frames',
      },
    );
  }
  return { mean: mean(values), perFrame: [...values] };
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * A metric over frames from a function that scores one pair: update() scores and keeps each frame,
 * compute() averages them. PSNR, SSIM and MS-SSIM are this with their functions.
 */
export class FrameMetric<Input, Options> implements Metric<Input, FrameScores> {
  private values: number[] = [];

  constructor(
    readonly name: string,
    private readonly score: (pred: Input, target: Input, options: Options) => number,
    private readonly options: Options,
  ) {}

  update(pred: Input, target: Input): void {
    this.values.push(this.score(pred, target, this.options));
  }

  compute(): FrameScores {
    return frameScores(this.name, this.values);
  }

  reset(): void {
    this.values = [];
  }
}
