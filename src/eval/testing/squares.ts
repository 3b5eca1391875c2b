import type { RgbFrame } from '../physics.js';

/** The side of the synthetic test frames. */
export const SQUARE_FRAME = 32;

/** A 6x6 square of `id` and grey level `color` at (x0, y0), clipped to the frame, painted into it and its mask. */
export function paintSquare(
  frame: RgbFrame,
  mask: Uint8Array,
  id: number,
  color: number,
  x0: number,
  y0: number,
) {
  const w = frame.width;
  for (let y = Math.max(0, y0); y < Math.min(frame.height, y0 + 6); y++)
    for (let x = Math.max(0, x0); x < Math.min(w, x0 + 6); x++) {
      mask[y * w + x] = id;
      frame.data.fill(color, 3 * (y * w + x), 3 * (y * w + x) + 3);
    }
}

/** 33 frames of a white square (id 2) moving right `speed` px a frame on black (background id 1). */
export function movingSquare(speed: number): { frames: RgbFrame[]; masks: Uint8Array[] } {
  const W = SQUARE_FRAME;
  const frames: RgbFrame[] = [];
  const masks: Uint8Array[] = [];
  for (let t = 0; t < 33; t++) {
    const frame = { width: W, height: W, data: new Uint8Array(W * W * 3).fill(20) };
    const mask = new Uint8Array(W * W).fill(1);
    paintSquare(frame, mask, 2, 230, 2 + Math.round(speed * t), 12);
    frames.push(frame);
    masks.push(mask);
  }
  return { frames, masks };
}
