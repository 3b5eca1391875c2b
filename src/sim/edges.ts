const CREASE_COS = 0.8;

/**
 * Occlusion boundaries (the instance changes) and creases (the normal turns by more than ~37 degrees),
 * against the right and lower pixel. Every body is convex, so a depth jump inside one body cannot happen.
 * Two centers on the same triangle never make a crease (a flat face has one normal; a curved body's facet
 * spans at most 18 x 18 degrees of its surface, well under 37), so only their normals are not compared.
 */
export function findEdges(
  edges: Uint8Array,
  mask: Uint8Array,
  triangle: Int32Array,
  normal: Float32Array,
  width: number,
  height: number,
): void {
  const n = normal;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const last = y + 1 === height;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      const m = mask[p]!;
      const t = triangle[p]!;
      let edge = 0;
      if (x + 1 < width) {
        const q = p + 1;
        if (m !== mask[q]) edge = 255;
        else if (
          m !== 0 &&
          t !== triangle[q] &&
          n[3 * p]! * n[3 * q]! + n[3 * p + 1]! * n[3 * q + 1]! + n[3 * p + 2]! * n[3 * q + 2]! < CREASE_COS
        )
          edge = 255;
      }
      if (edge === 0 && !last) {
        const q = p + width;
        if (m !== mask[q]) edge = 255;
        else if (
          m !== 0 &&
          t !== triangle[q] &&
          n[3 * p]! * n[3 * q]! + n[3 * p + 1]! * n[3 * q + 1]! + n[3 * p + 2]! * n[3 * q + 2]! < CREASE_COS
        )
          edge = 255;
      }
      edges[p] = edge;
    }
  }
}
