/**
 * RGB of the pixels whose subsamples see more than one surface: the mean color of the four subsamples,
 * where a subsample on another surface borrows the color of the nearest pixel whose center sees it.
 * A center's color is `litColor` or `shadedColor` as `lit` says.
 */
export function resolveMixed(
  rgb: Uint8ClampedArray,
  mixed: Int32Array,
  mixedCount: number,
  subTriangle: Int32Array,
  bodyOf: Int32Array,
  lit: Uint8Array,
  litColor: Float32Array,
  shadedColor: Float32Array,
  sky: Float32Array,
  centerBody: Int32Array,
  width: number,
  height: number,
): void {
  for (let i = 0; i < mixedCount; i++) {
    const p = mixed[i]!;
    const x = p % width;
    const y = (p - x) / width;
    const own = centerBody[p]!;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let s = 0; s < 4; s++) {
      const t = subTriangle[4 * p + s]!;
      const body = t < 0 ? -1 : bodyOf[t]!;
      const at = body === own || body < 0 ? p : neighborWith(centerBody, width, height, x, y, body, p);
      const from = body < 0 && own >= 0 ? sky : lit[at] ? litColor : shadedColor;
      r += from[3 * at]!;
      g += from[3 * at + 1]!;
      b += from[3 * at + 2]!;
    }
    rgb[3 * p] = (r / 4) * 255;
    rgb[3 * p + 1] = (g / 4) * 255;
    rgb[3 * p + 2] = (b / 4) * 255;
  }
}

const NEIGHBORS = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
  [-1, -1],
  [1, -1],
  [-1, 1],
  [1, 1],
] as const;

/** The nearest pixel around (x, y) whose center sees `body`; `fallback` when none does. */
function neighborWith(
  centerBody: Int32Array,
  width: number,
  height: number,
  x: number,
  y: number,
  body: number,
  fallback: number,
): number {
  for (const [dx, dy] of NEIGHBORS) {
    const nx = x + dx;
    const ny = y + dy;
    if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
    const q = ny * width + nx;
    if (centerBody[q] === body) return q;
  }
  return fallback;
}
