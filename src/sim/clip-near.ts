/**
 * Clip a triangle (camera coordinates, 9 numbers) to z >= near; writes the polygon's corners into `out`
 * and returns how many (3 or 4).
 */
export function clipNear(tri: Float64Array, near: number, out: Float64Array): number {
  let n = 0;
  for (let k = 0; k < 3; k++) {
    const j = (k + 1) % 3;
    const zk = tri[3 * k + 2]!;
    const zj = tri[3 * j + 2]!;
    if (zk >= near) {
      out[3 * n] = tri[3 * k]!;
      out[3 * n + 1] = tri[3 * k + 1]!;
      out[3 * n + 2] = zk;
      n++;
    }
    if (zk >= near !== zj >= near) {
      const s = (near - zk) / (zj - zk);
      out[3 * n] = tri[3 * k]! + s * (tri[3 * j]! - tri[3 * k]!);
      out[3 * n + 1] = tri[3 * k + 1]! + s * (tri[3 * j + 1]! - tri[3 * k + 1]!);
      out[3 * n + 2] = near;
      n++;
    }
  }
  return n;
}
