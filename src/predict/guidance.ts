import { OrbisError } from '../core/index.js';
import type { WorldModelRollout } from './world-model.js';

/**
 * The most guidance, on the actions or the prompt, a request may ask for: far past where futures fall apart
 * (about 8 on the 4x8x8 model).
 */
export const MAX_GUIDANCE = 20;

/** A guidance scale checked: a number from 0 to MAX_GUIDANCE, else INVALID_ARGUMENT naming `flag`. */
export function checkGuidance(flag: string, g: number, example: number): number {
  if (Number.isFinite(g) && g >= 0 && g <= MAX_GUIDANCE) return g;
  throw new OrbisError('INVALID_ARGUMENT', `${flag} must be a number from 0 to ${MAX_GUIDANCE}, not ${g}`, {
    hint: `use ${flag} ${example}, or 0 for none`,
  });
}

/**
 * A count of generated latent frames to guide the prompt over, checked: a whole number from 0 (every frame)
 * to `most`, else INVALID_ARGUMENT.
 */
export function checkGuidanceFrames(frames: number, most: number): number {
  if (Number.isInteger(frames) && frames >= 0 && frames <= most) return frames;
  throw new OrbisError(
    'INVALID_ARGUMENT',
    `--prompt-guidance-frames must be a whole number from 0 to ${most}, not ${frames}`,
    { hint: 'use --prompt-guidance-frames 1 (the first generated latent frame), or 0 for every frame' },
  );
}

/**
 * Classifier-free guidance: on the actions, on the prompt, or both. The model is trained on clips with actions
 * (push) and on clips without (every other scenario, whose action features are all zero), and with its prompt
 * blanked for a share of the batches, so zero features ask it for a future with no commands given and a blank
 * prompt for one with nothing said. A guided rollout runs each future once as asked and once more per guided
 * condition with that condition taken away, all in one batch, and samples from
 *
 *   logits = asked + sum over conditions c of scale_c * (asked - without_c)
 *
 * which moves each digit's distribution further in the direction each condition moved it. Scale 0 is the
 * model as trained. Each digit is a softmax over raw logits, and a softmax ignores a shift, so mixing raw
 * logits is the same as mixing log-probabilities.
 *
 * `inner` is a rollout of (1 + scales.length) x batch rows: rows 0 .. batch - 1 as asked, then one block of
 * batch rows per condition taken away. Every block is fed the same tokens after the prefill (whose prompt
 * differs where the prompt is guided), so they hold the same positions and truncate together. Its steps
 * return, per row and position, the asked row then each condition's side by side ((1 + n) x `width`
 * numbers); `guidedDigits` (digits.ts) mixes them digit by digit as the token is drawn, which a coupled model
 * needs (its later digits' logits depend on the earlier digits drawn, so the rows cannot be mixed before).
 */
export class GuidedRollout implements WorldModelRollout {
  readonly stepAll?: (tokens: ArrayLike<number>) => Promise<Float32Array>;
  readonly truncate?: (length: number) => void;
  private readonly scales: readonly number[];
  readonly batch: number;
  /** Blocks of rows the inner rollout still runs: 1 + the conditions not released. */
  private blocks: number;

  constructor(
    private readonly inner: WorldModelRollout,
    scales: number | readonly number[],
    /** Numbers per position in the inner rollout's rows (featureWidth). */
    private readonly width: number,
  ) {
    this.scales = typeof scales === 'number' ? [scales] : scales;
    this.blocks = 1 + this.scales.length;
    this.batch = inner.batch / this.blocks;
    if (inner.stepAll && inner.truncate) {
      const { stepAll, truncate } = inner;
      this.stepAll = async (tokens) => this.sideBySide(await stepAll.call(inner, this.repeat(tokens)));
      this.truncate = (length) => truncate.call(inner, length);
    }
  }

  get length(): number {
    return this.inner.length;
  }

  /**
   * Stop running the last `conditions` guided conditions: the inner rollout sheds their rows (their cache and
   * actions), so each step after costs that much less. Their places in each position's side-by-side numbers
   * are zeros from then on: sample with a head whose scale for them is 0. False (nothing changed) where the
   * inner rollout cannot shed rows or they are shed already.
   */
  release(conditions: number): boolean {
    const blocks = 1 + this.scales.length - conditions;
    if (!this.inner.narrow || !(Number.isInteger(conditions) && blocks >= 1 && blocks < this.blocks))
      return false;
    this.inner.narrow(blocks * this.batch);
    this.blocks = blocks;
    return true;
  }

  /**
   * Feed `tokens` ([batch, S]) to every block; `without`, where given, holds each guided condition's own
   * tokens instead (the prefill, with the prompt blanked for prompt guidance).
   */
  async step(tokens: ArrayLike<number>, without?: readonly ArrayLike<number>[]): Promise<Float32Array> {
    const fed = without ? [tokens, ...without].flatMap((block) => Array.from(block)) : this.repeat(tokens);
    return this.sideBySide(await this.inner.step(fed));
  }

  /**
   * [blocks, batch, S, width] rows into [batch, S, (1 + n) x width]: each position's rows side by side, zeros
   * in the places of released conditions.
   */
  private sideBySide(rows: Float32Array): Float32Array {
    const { blocks } = this;
    const all = 1 + this.scales.length;
    const block = rows.length / blocks;
    const positions = block / this.width;
    const out = new Float32Array(positions * all * this.width);
    for (let p = 0; p < positions; p++)
      for (let c = 0; c < blocks; c++)
        out.set(
          rows.subarray(c * block + p * this.width, c * block + (p + 1) * this.width),
          (p * all + c) * this.width,
        );
    return out;
  }

  private repeat(tokens: ArrayLike<number>): number[] {
    const once = Array.from(tokens);
    return Array.from({ length: this.blocks }, () => once).flat();
  }
}
