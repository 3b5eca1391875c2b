export { CuratedDataset, type EmbeddingsMeta } from './curated-dataset.js';
export { exactTopK, recallAtK } from './exact-knn.js';
export { type ClipFilter, type Condition, checkCondition, matchesFilter, parseFilter } from './filter.js';
export { type IndexDatasetOptions, indexDataset } from './index-dataset.js';
export { type IndexManifest, readIndexManifest } from './index-manifest.js';
export { CLIP_COLUMNS, type IndexedClip } from './indexed-clip.js';
export { LanceStore, type LanceStoreOptions } from './lancedb-store.js';
export { collectionName, efSearchFor, openStore, type StoreSpec } from './open-store.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { embedQueryFile } from './query-embedding.js';
export {
  type DatasetHit,
  type DatasetSearchResult,
  type SearchDatasetOptions,
  type SearchQuery,
  searchDataset,
} from './search-dataset.js';
export { fnv1a, shardOf } from './shard-routing.js';
export { mergeTopK, ShardedStore, type ShardedStoreOptions } from './sharded-store.js';
export type { TextEncoder } from './text-encoder.js';
export type {
  Collection,
  IndexInfo,
  IndexOptions,
  SearchHit,
  SearchOptions,
  SearchResult,
  VectorStore,
} from './vector-store.js';
