import { cosine } from '../embed/index.js';
import type { ClipRecord } from './records.js';

export interface DedupOptions {
  /** Cosine similarity at or above which two clips are near duplicates (default 0.95). */
  threshold?: number;
}

/**
 * Marks duplicates among kept clips, in their given order (the first of a group is kept): exact duplicates
 * by content hash, near duplicates by embedding similarity. Near-duplicate search is bucketed with k-means
 * (about sqrt(n) buckets, each clip compared within its two nearest), so the cost grows about as n^1.5
 * instead of n^2. Returns how many were marked.
 */
export function dedupClips(clips: ClipRecord[], options: DedupOptions = {}): number {
  const threshold = options.threshold ?? 0.95;
  const live = clips.filter((c) => !c.dropped);
  let marked = 0;
  const byHash = new Map<string, ClipRecord>();
  for (const c of live) {
    if (!c.contentHash) continue;
    const first = byHash.get(c.contentHash);
    if (first) {
      c.dropped = { stage: 'dedup', reason: `exact duplicate of ${first.id}` };
      c.duplicateOf = first.id;
      marked++;
    } else byHash.set(c.contentHash, c);
  }
  const rest = live.filter((c) => !c.dropped && c.embedding);
  if (rest.length < 2) return marked;
  const vectors = rest.map((c) => c.embedding!);
  const centroids = kmeans(vectors, Math.max(1, Math.round(Math.sqrt(rest.length))));
  const buckets = centroids.map(() => [] as number[]);
  const nearest = vectors.map((v) => {
    const order = centroids.map((c, k) => [cosine(v, c), k] as const).sort((a, b) => b[0] - a[0]);
    return order.slice(0, 2).map(([, k]) => k);
  });
  for (const [i, near] of nearest.entries()) for (const k of near) buckets[k]!.push(i);
  for (const [i, c] of rest.entries()) {
    let best: { j: number; sim: number } | undefined;
    for (const k of nearest[i]!) {
      for (const j of buckets[k]!) {
        if (j >= i || rest[j]!.dropped) continue; // only earlier, still-kept clips
        const sim = cosine(vectors[i]!, vectors[j]!);
        if (sim >= threshold && (!best || sim > best.sim)) best = { j, sim };
      }
    }
    if (best) {
      const original = rest[best.j]!;
      c.dropped = {
        stage: 'dedup',
        reason: `near duplicate of ${original.id} (cosine ${best.sim.toFixed(3)})`,
      };
      c.duplicateOf = original.id;
      marked++;
    }
  }
  return marked;
}

/** Spherical k-means, deterministic: centroids start on evenly spaced points, 10 rounds. */
function kmeans(vectors: number[][], k: number): number[][] {
  const dims = vectors[0]!.length;
  let centroids = Array.from({ length: k }, (_, i) => [...vectors[Math.floor((i * vectors.length) / k)]!]);
  for (let round = 0; round < 10; round++) {
    const sums = centroids.map(() => new Array<number>(dims).fill(0));
    for (const v of vectors) {
      let best = 0;
      let bestSim = -Infinity;
      for (const [k2, c] of centroids.entries()) {
        const s = cosine(v, c);
        if (s > bestSim) {
          bestSim = s;
          best = k2;
        }
      }
      const sum = sums[best]!;
      for (let d = 0; d < dims; d++) sum[d]! += v[d]!;
    }
    centroids = sums.map((s, i) => {
      const n = Math.sqrt(s.reduce((a, x) => a + x * x, 0));
      return n > 0 ? s.map((x) => x / n) : centroids[i]!;
    });
  }
  return centroids;
}
