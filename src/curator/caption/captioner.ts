/** A captioner describes a clip in words from its frames. */
export interface CaptionFrame {
  width: number;
  height: number;
  /** Interleaved RGB, 8 bits. */
  data: Uint8Array;
  timestamp: number;
}

export interface Caption {
  text: string;
  /** The model's reasoning, when it gave one (<think>...</think>). */
  reasoning?: string;
  model: string;
}

export interface Captioner {
  readonly name: string;
  caption(frames: readonly CaptionFrame[], options?: { signal?: AbortSignal }): Promise<Caption>;
}

/**
 * Frames for a VLM that sees 28x28-pixel patches (Qwen2.5-VL style): sampled at `fps` over the clip, and
 * sized, in multiples of 28, so all frames together stay within `tokenBudget` tokens. When even 28x28
 * frames at that rate would not fit, fewer frames are taken.
 */
export function planFrames(
  duration: number,
  width: number,
  height: number,
  options: { fps?: number; tokenBudget?: number; maxFrames?: number } = {},
): { count: number; fps: number; width: number; height: number; tokensPerFrame: number } {
  const fps = options.fps ?? 4;
  const budget = options.tokenBudget ?? 8192;
  const count = Math.max(1, Math.min(options.maxFrames ?? 256, Math.round(duration * fps), budget));
  const perFrame = Math.max(1, Math.floor(budget / count));
  // Largest w x h (multiples of 28, source aspect) with (w/28)(h/28) <= perFrame tokens, not upscaled.
  const aspect = width / height;
  let rows = Math.max(1, Math.floor(Math.sqrt(perFrame / aspect)));
  let cols = Math.max(1, Math.floor(rows * aspect));
  while (rows * cols > perFrame && rows > 1) {
    rows--;
    cols = Math.max(1, Math.floor(rows * aspect));
  }
  rows = Math.min(rows, Math.max(1, Math.floor(height / 28)));
  cols = Math.min(cols, Math.max(1, Math.floor(width / 28)));
  return {
    count,
    fps: count / Math.max(duration, 1e-6),
    width: cols * 28,
    height: rows * 28,
    tokensPerFrame: rows * cols,
  };
}
