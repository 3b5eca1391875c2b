/** Procedural textures in a body's own frame, so a pattern moves and turns with its body. */

export const PATTERN_CODE = { solid: 0, checker: 1, stripes: 2, noise: 3 } as const;

function hash3(x: number, y: number, z: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(z, 0x1b873593);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1). */
function valueNoise(x: number, y: number, z: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const iz = Math.floor(z);
  const fx = x - ix;
  const fy = y - iy;
  const fz = z - iz;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const sz = fz * fz * (3 - 2 * fz);
  const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
  const x00 = lerp(hash3(ix, iy, iz), hash3(ix + 1, iy, iz), sx);
  const x10 = lerp(hash3(ix, iy + 1, iz), hash3(ix + 1, iy + 1, iz), sx);
  const x01 = lerp(hash3(ix, iy, iz + 1), hash3(ix + 1, iy, iz + 1), sx);
  const x11 = lerp(hash3(ix, iy + 1, iz + 1), hash3(ix + 1, iy + 1, iz + 1), sx);
  return lerp(lerp(x00, x10, sy), lerp(x01, x11, sy), sz);
}

/** How much of the second color to mix in at local point (x, y, z), in [0, 1]. */
export function patternMix(code: number, frequency: number, x: number, y: number, z: number): number {
  switch (code) {
    case 1:
      return (Math.floor(x * frequency) + Math.floor(y * frequency) + Math.floor(z * frequency)) & 1;
    case 2:
      return Math.floor((x + 0.5 * z) * frequency) & 1;
    case 3: {
      const f = frequency * 0.7;
      const n = 0.65 * valueNoise(x * f, y * f, z * f) + 0.35 * valueNoise(x * f * 2.7, y * f * 2.7, z * f * 2.7);
      return Math.min(1, Math.max(0, (n - 0.3) * 2));
    }
    default:
      return 0;
  }
}
