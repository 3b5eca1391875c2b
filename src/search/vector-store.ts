import type { ClipFilter } from './filter.js';
import type { IndexedClip } from './indexed-clip.js';

/** One result: the clip's metadata and how close it is (cosine similarity for vectors, relevance for text). */
export interface SearchHit {
  clip: Omit<IndexedClip, 'vector'>;
  score: number;
}

/** Hits and what the caller should know about how they were found (a shard that did not answer). */
export interface SearchResult {
  hits: SearchHit[];
  warnings: string[];
}

export interface SearchOptions {
  k: number;
  filter?: ClipFilter;
}

export interface IndexOptions {
  /** Below this many rows no ANN index is built: an exact scan is as fast and exact (default 10,000). */
  minRows?: number;
}

export interface IndexInfo {
  /** e.g. "IVF_HNSW_SQ", "hnsw", "exact" (none built: too few rows). */
  kind: string;
  rows: number;
  seconds: number;
}

/**
 * A named set of clips with one embedding size. Writes are bulk upserts by clip id; the ANN index is
 * built once after bulk ingestion (building it row by row is what makes ingestion slow).
 */
export interface Collection {
  readonly name: string;
  readonly dimensions: number;
  upsert(clips: readonly IndexedClip[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  buildIndex(options?: IndexOptions): Promise<IndexInfo>;
  /** Nearest clips to `vector` by cosine similarity, best first. */
  search(vector: Float32Array, options: SearchOptions): Promise<SearchResult>;
  /** Full-text search over captions, best first. */
  searchText(text: string, options: SearchOptions): Promise<SearchResult>;
  /** The stored clips with these ids (vectors included), in no particular order. */
  fetch(ids: readonly string[]): Promise<IndexedClip[]>;
  count(filter?: ClipFilter): Promise<number>;
}

/**
 * A vector database: LanceDB in a folder, a PostgreSQL server with pgvector, or shards of either.
 * One interface, one conformance suite (conformance.ts) that every store passes.
 */
export interface VectorStore {
  readonly kind: string;
  /** Create a collection, replacing one of the same name when `replace` is set. */
  createCollection(name: string, spec: { dimensions: number; replace?: boolean }): Promise<Collection>;
  /** Open an existing collection; SEARCH_NO_INDEX when there is none of that name. */
  openCollection(name: string): Promise<Collection>;
  hasCollection(name: string): Promise<boolean>;
  dropCollection(name: string): Promise<void>;
  /** Make `from` the collection called `to`, replacing it, in one step readers never see half done. */
  renameCollection(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}
