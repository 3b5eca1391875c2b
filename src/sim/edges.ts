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
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      edges[y * width + x] = edgeAt(mask, triangle, normal, width, height, x, y);
  }
}

/**
 * Find again the edges that pixels `changed[0..count)` take part in: their own, and those of the pixels to
 * their left and above, which compare against them. The rest of `edges` stays as it was.
 */
export function updateEdges(
  edges: Uint8Array,
  mask: Uint8Array,
  triangle: Int32Array,
  normal: Float32Array,
  width: number,
  height: number,
  changed: Int32Array,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    const p = changed[i]!;
    const x = p % width;
    const y = (p - x) / width;
    edges[p] = edgeAt(mask, triangle, normal, width, height, x, y);
    if (x > 0) edges[p - 1] = edgeAt(mask, triangle, normal, width, height, x - 1, y);
    if (y > 0) edges[p - width] = edgeAt(mask, triangle, normal, width, height, x, y - 1);
  }
}

function edgeAt(
  mask: Uint8Array,
  triangle: Int32Array,
  n: Float32Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number {
  const p = y * width + x;
  // Against the right neighbour, then the one below.
  return (x + 1 < width && differs(mask, triangle, n, p, p + 1)) ||
    (y + 1 < height && differs(mask, triangle, n, p, p + width))
    ? 255
    : 0;
}

/** Pixels p and q show different objects, or the same object across a crease. */
function differs(mask: Uint8Array, triangle: Int32Array, n: Float32Array, p: number, q: number): boolean {
  return (
    mask[p] !== mask[q] ||
    (mask[p] !== 0 &&
      triangle[p] !== triangle[q] &&
      n[3 * p]! * n[3 * q]! + n[3 * p + 1]! * n[3 * q + 1]! + n[3 * p + 2]! * n[3 * q + 2]! < CREASE_COS)
  );
}
