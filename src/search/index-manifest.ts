import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrbisError } from '../core/index.js';
import type { StoreSpec } from './open-store.js';

/** Written to <dataset>/search/index.json once an index is complete: what queries need to find it. */
export interface IndexManifest {
  version: 1;
  dataset: string;
  /** Store and shards, without passwords. */
  store: StoreSpec;
  collection: string;
  /** The embedder that made the vectors; queries by image or video must use the same one. */
  embedder: string;
  dimensions: number;
  rows: number;
  index: string;
  builtAt: string;
  seconds: { ingest: number; index: number };
  rowsPerSecond: number;
}

export function indexManifestPath(datasetDir: string): string {
  return join(datasetDir, 'search', 'index.json');
}

export async function readIndexManifest(datasetDir: string): Promise<IndexManifest> {
  const path = indexManifestPath(datasetDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (!existsSync(join(datasetDir, 'embeddings.json')))
      throw new OrbisError(
        'SEARCH_DATASET_INVALID',
        `${datasetDir} is not a curated dataset (no embeddings.json)`,
        {
          hint: 'pass the folder `orbis curate --out` wrote, then index it with `orbis search index`',
        },
      );
    throw new OrbisError('SEARCH_NO_INDEX', `${datasetDir} has no search index yet`, {
      hint: `build it first: orbis search index ${datasetDir}`,
    });
  }
  try {
    return JSON.parse(text) as IndexManifest;
  } catch (cause) {
    throw new OrbisError('SEARCH_NO_INDEX', `${path} is damaged`, {
      hint: `rebuild it: orbis search index ${datasetDir}`,
      cause,
    });
  }
}
