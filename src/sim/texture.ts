/** Procedural textures in a body's own frame, so a pattern moves and turns with its body. */

export const PATTERN_CODE = { solid: 0, checker: 1, stripes: 2, noise: 3 } as const;

function hash3(x: number, y: number, z: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(z, 0x1b873593);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

/** Random values on a 32^3 lattice that wraps around (a texture tiles every 32 cells). */
const LATTICE = (() => {
  const table = new Float32Array(32 * 32 * 32);
  for (let z = 0; z < 32; z++)
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) table[(z * 32 + y) * 32 + x] = hash3(x, y, z);
  return table;
})();

/** Smooth value noise in [0, 1). */
function valueNoise(x: number, y: number, z: number): number {
  const fx0 = Math.floor(x);
  const fy0 = Math.floor(y);
  const fz0 = Math.floor(z);
  const fx = x - fx0;
  const fy = y - fy0;
  const fz = z - fz0;
  const x0 = fx0 & 31;
  const y0 = fy0 & 31;
  const z0 = fz0 & 31;
  const x1 = (x0 + 1) & 31;
  const y1 = ((y0 + 1) & 31) << 5;
  const z1 = ((z0 + 1) & 31) << 10;
  const yy0 = y0 << 5;
  const zz0 = z0 << 10;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const sz = fz * fz * (3 - 2 * fz);
  const t = LATTICE;
  const a = t[zz0 + yy0 + x0]!;
  const b = t[zz0 + yy0 + x1]!;
  const c = t[zz0 + y1 + x0]!;
  const d = t[zz0 + y1 + x1]!;
  const e = t[z1 + yy0 + x0]!;
  const f = t[z1 + yy0 + x1]!;
  const g = t[z1 + y1 + x0]!;
  const h = t[z1 + y1 + x1]!;
  const ab = a + (b - a) * sx;
  const cd = c + (d - c) * sx;
  const ef = e + (f - e) * sx;
  const gh = g + (h - g) * sx;
  const lower = ab + (cd - ab) * sy;
  const upper = ef + (gh - ef) * sy;
  return lower + (upper - lower) * sz;
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
      return Math.min(1, Math.max(0, (valueNoise(x * f, y * f, z * f) - 0.25) * 2));
    }
    default:
      return 0;
  }
}
