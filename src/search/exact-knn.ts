/**
 * Exact nearest neighbours by a full scan: the reference that ANN recall is measured against, and the
 * brute-force peer in the benchmark. `data` is rows of unit vectors; the score is the dot product
 * (cosine similarity). Keeps a small sorted buffer of the best k instead of sorting every score.
 */
export function exactTopK(
  data: Float32Array,
  dimensions: number,
  query: Float32Array,
  k: number,
  accept?: (row: number) => boolean,
): { row: number; score: number }[] {
  const rows = data.length / dimensions;
  const best: { row: number; score: number }[] = [];
  let floor = -Infinity;
  for (let r = 0; r < rows; r++) {
    if (accept && !accept(r)) continue;
    let dot = 0;
    const base = r * dimensions;
    for (let d = 0; d < dimensions; d++) dot += data[base + d]! * query[d]!;
    if (best.length === k && dot <= floor) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < dot) at--;
    best.splice(at, 0, { row: r, score: dot });
    if (best.length > k) best.pop();
    if (best.length === k) floor = best[k - 1]!.score;
  }
  return best;
}

/** Share of the exact top k that an approximate answer found (recall@k). */
export function recallAtK(exact: readonly string[], found: readonly string[]): number {
  if (exact.length === 0) return 1;
  const got = new Set(found);
  return exact.filter((id) => got.has(id)).length / exact.length;
}
