import type { EmbedFrame } from './embedder.js';

/** How an image model wants its pixels: a square side, and per-channel mean and std on the 0-1 scale. */
export interface ImageInputSpec {
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** CLIP's preprocessing constants, the most common among exported image encoders. */
export const CLIP_IMAGE_INPUT: ImageInputSpec = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/**
 * Frames as one NCHW float32 batch for an image model: the centre square of each frame (the largest one
 * that fits), resampled bilinearly to `size` x `size`, each channel normalized as `(v / 255 - mean) / std`.
 */
export function imageBatch(frames: readonly EmbedFrame[], spec: ImageInputSpec): Float32Array {
  const { size, mean, std } = spec;
  const plane = size * size;
  const out = new Float32Array(frames.length * 3 * plane);
  frames.forEach((frame, n) => {
    const side = Math.min(frame.width, frame.height);
    const x0 = (frame.width - side) / 2;
    const y0 = (frame.height - side) / 2;
    const scale = side / size;
    for (let y = 0; y < size; y++) {
      // Sample centres, clamped to the crop.
      const sy = Math.min(Math.max(y0 + (y + 0.5) * scale - 0.5, y0), y0 + side - 1);
      const ya = Math.floor(sy);
      const yb = Math.min(ya + 1, frame.height - 1);
      const fy = sy - ya;
      for (let x = 0; x < size; x++) {
        const sx = Math.min(Math.max(x0 + (x + 0.5) * scale - 0.5, x0), x0 + side - 1);
        const xa = Math.floor(sx);
        const xb = Math.min(xa + 1, frame.width - 1);
        const fx = sx - xa;
        for (let c = 0; c < 3; c++) {
          const at = (yy: number, xx: number): number => frame.data[(yy * frame.width + xx) * 3 + c]!;
          const top = at(ya, xa) * (1 - fx) + at(ya, xb) * fx;
          const bottom = at(yb, xa) * (1 - fx) + at(yb, xb) * fx;
          const v = (top * (1 - fy) + bottom * fy) / 255;
          out[(n * 3 + c) * plane + y * size + x] = (v - mean[c]!) / std[c]!;
        }
      }
    }
  });
  return out;
}
