import { OrbisError } from '../core/index.js';

export function dimensionMismatch(collection: string, expected: number, got: number): OrbisError {
  return new OrbisError(
    'SEARCH_DIMENSION_MISMATCH',
    `vectors of ${got} dimensions do not fit collection "${collection}", which holds ${expected}-dimensional embeddings`,
    {
      hint: 'query and index with the same embedder, or rebuild the index with `orbis search index`',
      details: { collection, expected, got },
    },
  );
}

export function noCollection(name: string, where: string): OrbisError {
  return new OrbisError('SEARCH_NO_INDEX', `no search index "${name}" in ${where}`, {
    hint: 'build it first with `orbis search index <dataset>`',
    details: { collection: name },
  });
}

/** Check every vector of a batch before any is written. */
export function checkDimensions(
  collection: string,
  dimensions: number,
  vectors: Iterable<Float32Array>,
): void {
  for (const v of vectors)
    if (v.length !== dimensions) throw dimensionMismatch(collection, dimensions, v.length);
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 10_000)
    throw new OrbisError('INVALID_ARGUMENT', `k must be a whole number from 1 to 10000, not ${k}`);
}
