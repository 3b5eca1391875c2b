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
  // The patches future b keeps at a generated latent frame: the same for each of its video frames.
  const keptAt = (b: number, latent: number) => {
    const kept: number[] = [];
    for (let i = 0; i < grid; i++)
      if (still[i] && tokens[(b * total + latent) * grid + i] === tokens[(b * total + lastLatent) * grid + i])
        kept.push(i);
    return kept;
  };
  return (frames, from, b) => {
    let latent = -1;
    let kept: number[] = [];
    frames.forEach((frame, j) => {
      const at = latentsOf(config, from + j + 1) - 1;
      if (at <= lastLatent) return;
      if (at !== latent) [latent, kept] = [at, keptAt(b, at)];
      for (const i of kept) {
        const [r, c] = [Math.floor(i / cols), i % cols];
        for (let y = r * ph; y < (r + 1) * ph; y++) {
          const x = (y * width + c * pw) * 3;
          frame.data.set(last.data.subarray(x, x + pw * 3), x);
        }
      }
    });
  };
}
