import type { RgbFrame } from './physics.js';

/**
 * A copy of `frame` with the outline of each object of `ids` in `mask` drawn in `color`: the pixels of an
 * object with a 4-neighbor outside it (or on the frame's edge), so the object itself stays visible.
 */
export function outlineObjects(
  frame: RgbFrame,
  mask: Uint8Array,
  ids: readonly number[],
  color: readonly [number, number, number],
): RgbFrame {
  const { width, height } = frame;
  const data = frame.data.slice();
  const keep = new Set(ids);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const id = mask[p]!;
      if (!keep.has(id)) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        mask[p - 1] !== id ||
        mask[p + 1] !== id ||
        mask[p - width] !== id ||
        mask[p + width] !== id;
      if (edge) data.set(color, 3 * p);
    }
  return { width, height, data };
}
