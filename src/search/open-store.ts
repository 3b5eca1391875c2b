import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { OrbisError } from '../core/index.js';
import { LanceStore } from './lancedb-store.js';
import { redactUrl } from './postgres-errors.js';
import { PostgresStore } from './postgres-store.js';
import { ShardedStore } from './sharded-store.js';
import type { VectorStore } from './vector-store.js';

/** Where a dataset's index lives: `lancedb` (in the dataset folder) or PostgreSQL URL(s). */
export interface StoreSpec {
  /** `lancedb`, or `postgres://...`; several PostgreSQL URLs, comma-separated, are one shard each. */
  store: string;
  /** Shards: LanceDB folders, or schemas on one PostgreSQL server (default 1). */
  shards: number;
}

export interface OpenStoreOptions {
  onShardError?: 'fail' | 'partial';
  /** Rows in the whole index, when known: PostgreSQL shards then search with a beam sized for them. */
  rows?: number;
}

/**
 * pgvector's hnsw.ef_search for an index of `rows` rows (m 16, ef_construction 64): 100 up to 125,000 rows,
 * then growing with the rows, to 1,000. Measured on clustered 256-d vectors (`npm run bench:search`): recall@10
 * 0.996 at 100k rows with 100, and at 1M 0.859 with 100 against 0.956 with 800, for 27% fewer queries/s.
 */
export function efSearchFor(rows: number): number {
  return Math.max(100, Math.min(1000, Math.round((100 * rows) / 125_000)));
}

/**
 * Open the store a spec names. One LanceDB folder or PostgreSQL schema per shard; with several
 * PostgreSQL URLs, each URL is a shard (a server each: the horizontal scaling case).
 */
export async function openStore(
  spec: StoreSpec,
  datasetDir: string,
  options: OpenStoreOptions = {},
): Promise<VectorStore> {
  const { shards } = spec;
  if (!Number.isInteger(shards) || shards < 1 || shards > 256)
    throw new OrbisError('INVALID_ARGUMENT', `--shards must be a whole number from 1 to 256, not ${shards}`);
  const urls = spec.store
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const opened: VectorStore[] = [];
  try {
    if (spec.store === 'lancedb') {
      const root = join(datasetDir, 'search');
      if (shards === 1) return await LanceStore.open(join(root, 'lancedb'));
      for (let i = 0; i < shards; i++) opened.push(await LanceStore.open(join(root, `lancedb-shard-${i}`)));
    } else if (urls.length > 0 && urls.every((u) => /^postgres(ql)?:\/\//.test(u))) {
      if (urls.length > 1 && shards !== 1 && shards !== urls.length)
        throw new OrbisError(
          'INVALID_ARGUMENT',
          `${urls.length} PostgreSQL URLs make ${urls.length} shards; drop --shards ${shards}`,
        );
      const count = Math.max(shards, urls.length);
      const beam = options.rows === undefined ? {} : { efSearch: efSearchFor(options.rows / count) };
      if (urls.length === 1 && shards === 1) return await PostgresStore.open(urls[0]!, beam);
      for (let i = 0; i < count; i++) {
        const url = urls[urls.length > 1 ? i : 0]!;
        opened.push(
          await PostgresStore.open(url, urls.length > 1 ? beam : { ...beam, schema: `orbis_shard_${i}` }),
        );
      }
    } else {
      throw new OrbisError('SEARCH_STORE_INVALID', `unknown store "${redactUrl(spec.store)}"`, {
        hint: 'use --store lancedb (the default) or --store postgres://user:password@host:5432/database',
      });
    }
  } catch (error) {
    await Promise.allSettled(opened.map((s) => s.close()));
    throw error;
  }
  return new ShardedStore(opened, options);
}

/** The collection a dataset is indexed under: `clips` in its own LanceDB folder; on a shared server, a name unique to the folder. */
export function collectionName(spec: StoreSpec, datasetDir: string): string {
  if (spec.store === 'lancedb') return 'clips';
  const slug = basename(datasetDir)
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 24);
  const hash = createHash('sha256').update(datasetDir).digest('hex').slice(0, 8);
  return `clips_${slug}_${hash}`;
}

/** A spec with passwords taken out, for what is written to disk (queries then take PGPASSWORD or --store). */
export function describeStore(spec: StoreSpec): StoreSpec {
  const strip = (url: string) => {
    try {
      const u = new URL(url);
      u.password = '';
      return u.toString();
    } catch {
      return url;
    }
  };
  return { store: spec.store.split(',').map(strip).join(','), shards: spec.shards };
}
