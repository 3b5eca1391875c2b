import { join, resolve } from 'node:path';
import { OrbisError } from '../core/index.js';
import type { ClipFilter } from './filter.js';
import { readIndexManifest } from './index-manifest.js';
import { openStore, type StoreSpec } from './open-store.js';
import { embedQueryFile } from './query-embedding.js';
import type { TextEncoder } from './text-encoder.js';
import type { SearchHit } from './vector-store.js';

/** What to search with: exactly one of these. */
export type SearchQuery = { clip: string } | { image: string } | { video: string } | { text: string };

export interface SearchDatasetOptions {
  k?: number;
  filter?: ClipFilter;
  /** Overrides the store recorded in the index (e.g. a URL with its password). */
  store?: string;
  /** With shards: return what the live shards found, with a warning, instead of failing. */
  partial?: boolean;
  textEncoder?: TextEncoder;
  signal?: AbortSignal;
}

export interface DatasetHit extends SearchHit {
  /** Absolute thumbnail path, when the curator made one. */
  thumbnailPath: string | null;
}

export interface DatasetSearchResult {
  query: Record<string, string>;
  /** `vector` (embedding similarity) or `text` (full-text relevance): what `score` means. */
  mode: 'vector' | 'text';
  hits: DatasetHit[];
  warnings: string[];
}

/** Search a dataset's index by clip id, image, video or text, with filters; best first. */
export async function searchDataset(
  datasetDir: string,
  query: SearchQuery,
  options: SearchDatasetOptions = {},
): Promise<DatasetSearchResult> {
  const dir = resolve(datasetDir);
  const manifest = await readIndexManifest(dir);
  const spec: StoreSpec = { ...manifest.store, ...(options.store ? { store: options.store } : {}) };
  const store = await openStore(spec, dir, {
    onShardError: options.partial ? 'partial' : 'fail',
    rows: manifest.rows,
  });
  try {
    const collection = await store.openCollection(manifest.collection);
    const search = { k: options.k ?? 20, ...(options.filter ? { filter: options.filter } : {}) };
    let mode: DatasetSearchResult['mode'] = 'vector';
    let result: Awaited<ReturnType<typeof collection.search>>;
    if ('clip' in query) {
      const [clip] = await collection.fetch([query.clip]);
      if (!clip)
        throw new OrbisError('SEARCH_CLIP_NOT_FOUND', `no clip "${query.clip}" in the index of ${dir}`, {
          hint: 'take ids from manifest.jsonl (kept clips) or from an earlier search',
        });
      result = await collection.search(clip.vector, search);
    } else if ('text' in query) {
      const encoder = options.textEncoder;
      if (encoder && encoder.embedder === manifest.embedder) {
        result = await collection.search(await encoder.encode(query.text), search);
      } else {
        mode = 'text';
        result = await collection.searchText(query.text, search);
      }
    } else {
      const kind = 'image' in query ? 'image' : 'video';
      const path = resolve('image' in query ? query.image : query.video);
      const vector = await embedQueryFile(path, manifest.embedder, {
        kind,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      result = await collection.search(vector, search);
    }
    return {
      query: query as Record<string, string>,
      mode,
      hits: result.hits.map((h) => ({
        ...h,
        thumbnailPath: h.clip.thumbnail ? join(dir, h.clip.thumbnail) : null,
      })),
      warnings: result.warnings,
    };
  } finally {
    await store.close();
  }
}
