import { rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as LanceModule from '@lancedb/lancedb';
import type { ClipFilter } from './filter.js';
import { CLIP_COLUMN_NAMES, type IndexedClip, lastWriteWins } from './indexed-clip.js';
import { clipSchema, clipsToArrow, rowToClip } from './lance-rows.js';
import { filterToSql, lanceLiteral } from './sql-filter.js';
import { checkDimensions, checkK, dimensionMismatch, noCollection } from './store-errors.js';
import type {
  Collection,
  IndexInfo,
  IndexOptions,
  SearchOptions,
  SearchResult,
  VectorStore,
} from './vector-store.js';

const require = createRequire(import.meta.url);
// LanceDB's Rust log line for every new table ("No existing dataset ...") is noise on a user's terminal.
process.env.LANCEDB_LOG ??= 'error';
const lancedb = require('@lancedb/lancedb') as typeof LanceModule;

/** Query-time knobs of the IVF_HNSW_SQ index; the defaults reach recall@10 >= 0.95 in bench/search.bench.ts. */
export interface LanceQueryTuning {
  /** IVF partitions searched per query. */
  nprobes: number;
  /** HNSW candidate list size. */
  ef: number;
  /** Re-rank this many times k candidates with the full vectors (undoes SQ's rounding). */
  refineFactor: number;
}

export interface LanceStoreOptions {
  tuning?: Partial<LanceQueryTuning>;
  /** Rows per IVF partition when the index is built (default 100,000: few, large HNSW graphs). */
  rowsPerPartition?: number;
}

const SELECT = [...CLIP_COLUMN_NAMES, '_distance'];

/** LanceDB, embedded: a folder of Lance tables, no server. The default store. */
export class LanceStore implements VectorStore {
  readonly kind = 'lancedb';
  private constructor(
    private readonly connection: LanceModule.Connection,
    readonly uri: string,
    private readonly options: LanceStoreOptions,
  ) {}

  static async open(uri: string, options: LanceStoreOptions = {}): Promise<LanceStore> {
    return new LanceStore(await lancedb.connect(uri), uri, options);
  }

  async createCollection(name: string, spec: { dimensions: number; replace?: boolean }): Promise<Collection> {
    const table = await this.connection.createEmptyTable(name, clipSchema(spec.dimensions), {
      mode: spec.replace ? 'overwrite' : 'create',
    });
    return new LanceCollection(name, spec.dimensions, table, this.options);
  }

  async openCollection(name: string): Promise<Collection> {
    if (!(await this.hasCollection(name))) throw noCollection(name, this.uri);
    const table = await this.connection.openTable(name);
    const schema = await table.schema();
    const vector = schema.fields.find((f) => f.name === 'vector');
    const dimensions = (vector?.type as { listSize?: number } | undefined)?.listSize ?? 0;
    return new LanceCollection(name, dimensions, table, this.options);
  }

  async hasCollection(name: string): Promise<boolean> {
    return (await this.connection.tableNames()).includes(name);
  }

  async dropCollection(name: string): Promise<void> {
    if (await this.hasCollection(name)) await this.connection.dropTable(name);
  }

  async renameCollection(from: string, to: string): Promise<void> {
    // Local LanceDB has no table rename; a table is a folder, and a folder rename is atomic.
    if (!(await this.hasCollection(from))) throw noCollection(from, this.uri);
    const old = join(this.uri, `${to}.lance.old-${process.pid}`);
    await rename(join(this.uri, `${to}.lance`), old).catch(() => undefined);
    await rename(join(this.uri, `${from}.lance`), join(this.uri, `${to}.lance`));
    await rm(old, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}

class LanceCollection implements Collection {
  private readonly tuning: LanceQueryTuning;

  constructor(
    readonly name: string,
    readonly dimensions: number,
    private readonly table: LanceModule.Table,
    private readonly options: LanceStoreOptions,
  ) {
    this.tuning = { nprobes: 3, ef: 64, refineFactor: 4, ...options.tuning };
  }

  async upsert(clips: readonly IndexedClip[]): Promise<void> {
    if (clips.length === 0) return;
    checkDimensions(
      this.name,
      this.dimensions,
      clips.map((c) => c.vector),
    );
    const unique = lastWriteWins(clips);
    const data = clipsToArrow(unique, this.dimensions);
    if ((await this.table.countRows()) === 0) {
      await this.table.add(data); // bulk load: no key lookups needed
      return;
    }
    await this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) {
      const list = ids
        .slice(i, i + 1000)
        .map(lanceLiteral)
        .join(', ');
      if (list) await this.table.delete(`id IN (${list})`);
    }
  }

  async buildIndex(options: IndexOptions = {}): Promise<IndexInfo> {
    const started = performance.now();
    const rows = await this.table.countRows();
    let kind = 'exact';
    if (rows >= (options.minRows ?? 10_000)) {
      const numPartitions = Math.max(1, Math.round(rows / (this.options.rowsPerPartition ?? 100_000)));
      await this.table.createIndex('vector', {
        config: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions }),
        replace: true,
      });
      kind = `IVF_HNSW_SQ (${numPartitions} partitions)`;
    }
    await this.table.createIndex('caption', { config: lancedb.Index.fts(), replace: true });
    return { kind, rows, seconds: (performance.now() - started) / 1000 };
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<SearchResult> {
    checkK(options.k);
    if (vector.length !== this.dimensions) throw dimensionMismatch(this.name, this.dimensions, vector.length);
    let query = this.table
      .vectorSearch(vector)
      .distanceType('cosine')
      .limit(options.k)
      .nprobes(this.tuning.nprobes)
      .ef(this.tuning.ef)
      .refineFactor(this.tuning.refineFactor)
      .select(SELECT);
    const where = this.where(options.filter);
    if (where) query = query.where(where);
    const rows = (await query.toArray()) as Record<string, unknown>[];
    return { hits: rows.map((r) => hit(r, 1 - Number(r._distance))), warnings: [] };
  }

  async searchText(text: string, options: SearchOptions): Promise<SearchResult> {
    checkK(options.k);
    if (!text.trim()) return { hits: [], warnings: [] };
    const indices = await this.table.listIndices();
    if (!indices.some((i) => i.columns.includes('caption')))
      throw noCollection(`${this.name} (full text)`, 'it');
    let query = this.table
      .search(text, 'fts', 'caption')
      .limit(options.k)
      .select([...CLIP_COLUMN_NAMES, '_score']);
    const where = this.where(options.filter);
    if (where) query = query.where(where);
    const rows = (await query.toArray()) as Record<string, unknown>[];
    return { hits: rows.map((r) => hit(r, Number(r._score))), warnings: [] };
  }

  async fetch(ids: readonly string[]): Promise<IndexedClip[]> {
    if (ids.length === 0) return [];
    const rows = (await this.table
      .query()
      .where(`id IN (${ids.map(lanceLiteral).join(', ')})`)
      .select([...CLIP_COLUMN_NAMES, 'vector'])
      .toArray()) as Record<string, unknown>[];
    return rows.map(rowToClip);
  }

  async count(filter?: ClipFilter): Promise<number> {
    const where = this.where(filter);
    return where ? this.table.countRows(where) : this.table.countRows();
  }

  private where(filter: ClipFilter | undefined): string | undefined {
    return filterToSql(filter, lanceLiteral, 'lance');
  }
}

function hit(row: Record<string, unknown>, score: number): SearchResult['hits'][number] {
  const { vector: _, ...clip } = rowToClip(row);
  return { clip, score };
}
