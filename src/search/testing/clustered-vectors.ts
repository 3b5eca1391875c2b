/**
 * Embeddings-like test data: unit vectors scattered around a few thousand cluster centres (real clip
 * embeddings cluster by scene and subject), from a seeded generator so every run sees the same set.
 */
export interface ClusteredVectors {
  dimensions: number;
  count: number;
  /** count x dimensions, row-major, each row unit length. */
  data: Float32Array;
}

export function clusteredVectors(options: {
  count: number;
  dimensions: number;
  clusters?: number;
  /** Spread around a centre relative to the centre's length (default 0.35). */
  spread?: number;
  seed?: number;
}): ClusteredVectors {
  const { count, dimensions } = options;
  const clusters = options.clusters ?? Math.max(1, Math.round(Math.sqrt(count)));
  const spread = options.spread ?? 0.35;
  const random = gaussian(options.seed ?? 1);
  const centres = new Float32Array(clusters * dimensions);
  for (let i = 0; i < centres.length; i++) centres[i] = random();
  const data = new Float32Array(count * dimensions);
  const sigma = spread; // centre entries are N(0,1); noise entries N(0, spread^2)
  for (let r = 0; r < count; r++) {
    const c = Math.floor(Math.abs(random() * 1e6)) % clusters;
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      const v = centres[c * dimensions + d]! + sigma * random();
      data[r * dimensions + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dimensions; d++) data[r * dimensions + d]! /= norm;
  }
  return { dimensions, count, data };
}

export function row(vectors: ClusteredVectors, i: number): Float32Array {
  return vectors.data.subarray(i * vectors.dimensions, (i + 1) * vectors.dimensions);
}

/** Standard normal numbers from a seeded mulberry32 generator (Box-Muller). */
export function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = uniform() || 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
