/**
 * The frames an embedder looks at in a clip of `items.length` frames: `count` of them, each at the middle
 * of its equal share of the clip. The curator's clip embeddings and search's query embeddings both pick
 * this way, so a clip and a query made from the same frames get the same vector.
 */
export function spreadPicks<T>(items: readonly T[], count: number): T[] {
  if (items.length === 0) return [];
  return Array.from(
    { length: count },
    (_, k) => items[Math.min(items.length - 1, Math.floor(((k + 0.5) * items.length) / count))]!,
  );
}
