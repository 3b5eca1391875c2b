import type { TokenizerFrame } from '../tokenizer/index.js';
import { framesOf, latentsOf, type WorldModelConfig } from './world-model.js';

/**
 * What `keepUnchanged` does to a future: a function that redraws, in a chunk of future `b`'s frames starting
 * at frame `from`, every generated patch whose token equals the last conditioning latent frame's at that place,
 * from the last input frame's own pixels. The decoder blurs what the model kept; this draws it as it was. The
 * model's tokens decide what stays, so nothing the model changed is touched.
 *
 * Only patches the input kept still over the last conditioning latent frame's frames qualify (mean absolute
 * change under 1 of 255 against the last frame), so a token that stands for motion is never drawn as a still
 * picture. With 1 conditioning frame every patch qualifies.
 *
 * `inputs` are the conditioning frames at the model's size; `tokens` every future's, [batch, total, rows, cols].
 */
export function unchangedKeeper(
  config: WorldModelConfig,
  inputs: readonly TokenizerFrame[],
  conditioning: number,
  tokens: Uint16Array,
  total: number,
): (frames: TokenizerFrame[], from: number, b: number) => void {
  const [, rows, cols] = config.grid;
  const [height, width] = config.size;
  const grid = rows * cols;
  const [ph, pw] = [height / rows, width / cols];
  const last = inputs[inputs.length - 1]!;
  const lastLatent = conditioning - 1;
  const span = inputs.slice(lastLatent === 0 ? 0 : framesOf(config, lastLatent));
  const still = new Uint8Array(grid);
  for (let i = 0; i < grid; i++) {
    const [r, c] = [Math.floor(i / cols), i % cols];
    let change = 0;
    for (const f of span)
      for (let y = r * ph; y < (r + 1) * ph; y++)
        for (let x = (y * width + c * pw) * 3, end = x + pw * 3; x < end; x++)
          change += Math.abs(f.data[x]! - last.data[x]!);
    still[i] = change < span.length * ph * pw * 3 ? 1 : 0;
  }
  return (frames, from, b) => {
    frames.forEach((frame, j) => {
      const latent = latentsOf(config, from + j + 1) - 1;
      if (latent <= lastLatent) return;
      for (let i = 0; i < grid; i++) {
        if (
          !still[i] ||
          tokens[(b * total + latent) * grid + i] !== tokens[(b * total + lastLatent) * grid + i]
        )
          continue;
        const [r, c] = [Math.floor(i / cols), i % cols];
        for (let y = r * ph; y < (r + 1) * ph; y++) {
          const at = (y * width + c * pw) * 3;
          frame.data.set(last.data.subarray(at, at + pw * 3), at);
        }
      }
    });
  };
}
