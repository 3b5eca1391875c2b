import type { WorldModelRollout } from './world-model.js';

/** The most guidance a request may ask for: far past where futures fall apart (about 8 on the 4x8x8 model). */
export const MAX_ACTION_GUIDANCE = 20;

/**
 * Classifier-free guidance on the actions. The model is trained on clips with actions (push) and on clips
 * without (every other scenario, whose action features are all zero), so zero features ask it for a future
 * with no commands given. A guided rollout runs each future twice in one batch, once with its actions and once
 * with zeros, and samples from
 *
 *   logits = with + scale * (with - without)
 *
 * which moves each digit's distribution further in the direction the actions moved it. Scale 0 is the model
 * as trained. The digits are independent softmaxes over raw logits, and a softmax ignores a shift, so mixing
 * raw logits is the same as mixing log-probabilities.
 *
 * `inner` is a rollout of 2 x batch rows: rows 0 .. batch - 1 with the actions, the rest without. Both halves
 * are fed the same tokens, so they hold the same positions and truncate together.
 */
export class GuidedRollout implements WorldModelRollout {
  readonly stepAll?: (tokens: ArrayLike<number>) => Promise<Float32Array>;
  readonly truncate?: (length: number) => void;

  constructor(
    private readonly inner: WorldModelRollout,
    private readonly scale: number,
  ) {
    if (inner.stepAll && inner.truncate) {
      const { stepAll, truncate } = inner;
      this.stepAll = async (tokens) => this.mix(await stepAll.call(inner, twice(tokens)));
      this.truncate = (length) => truncate.call(inner, length);
    }
  }

  get batch(): number {
    return this.inner.batch / 2;
  }

  get length(): number {
    return this.inner.length;
  }

  async step(tokens: ArrayLike<number>): Promise<Float32Array> {
    return this.mix(await this.inner.step(twice(tokens)));
  }

  /** [2 x batch, ...] logits, row-major, into the guided [batch, ...]. */
  private mix(logits: Float32Array): Float32Array {
    const half = logits.length / 2;
    const out = new Float32Array(half);
    const s = this.scale;
    for (let i = 0; i < half; i++) {
      const withActions = logits[i]!;
      out[i] = withActions + s * (withActions - logits[half + i]!);
    }
    return out;
  }
}

function twice(tokens: ArrayLike<number>): number[] {
  const once = Array.from(tokens);
  return [...once, ...once];
}
