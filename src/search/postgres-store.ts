import pg from 'pg';
import { OrbisError } from '../core/index.js';
import type { ClipFilter } from './filter.js';
import {
  CLIP_COLUMN_NAMES,
  CLIP_COLUMNS,
  COLUMN_FIELD,
  type IndexedClip,
  lastWriteWins,
} from './indexed-clip.js';
import { postgresError, redactUrl } from './postgres-errors.js';
import { filterToSql } from './sql-filter.js';
import { checkDimensions, checkK, dimensionMismatch, noCollection } from './store-errors.js';
import type {
  Collection,
  IndexInfo,
  IndexOptions,
  SearchOptions,
  SearchResult,
  VectorStore,
} from './vector-store.js';

export interface PostgresStoreOptions {
  /** Schema the collections' tables live in (created when missing; default "public"). */
  schema?: string;
  /** Pooled connections (default 4). */
  poolSize?: number;
  /** HNSW candidate list size at query time (pgvector's hnsw.ef_search; default 100). */
  efSearch?: number;
  /** HNSW build parameters (pgvector's defaults: m 16, ef_construction 64). */
  m?: number;
  efConstruction?: number;
  /**
   * maintenance_work_mem for the HNSW build, e.g. "2GB". pgvector builds several times faster while the
   * graph fits in it (about 1.3 kB a row at 256-d, m 16); unset, the server's own setting applies.
   */
  buildMemory?: string;
  /** Rows per INSERT statement during bulk upserts (default 2,000; at most 4,000, the bind-parameter limit). */
  batchRows?: number;
  connectTimeoutMs?: number;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const TEXT_SEARCH = "to_tsvector('english', coalesce(caption, ''))";
const SELECT = CLIP_COLUMN_NAMES.join(', ');

/**
 * PostgreSQL with pgvector, through the standard `pg` client and a connection pool: any PostgreSQL with
 * the extension works. Metadata are columns, so filters run in SQL next to the vector order; the HNSW
 * index is built after bulk loading, which is much faster than maintaining it row by row.
 */
export class PostgresStore implements VectorStore {
  readonly kind = 'postgres';
  private readonly configured = new WeakSet<pg.PoolClient>();
  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly schema: string,
    private readonly options: PostgresStoreOptions,
  ) {}

  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const schema = options.schema ?? 'public';
    if (!NAME.test(schema)) throw invalidName('schema', schema);
    if (options.buildMemory !== undefined && !/^\d+\s*(kB|MB|GB)$/.test(options.buildMemory))
      throw new OrbisError(
        'SEARCH_STORE_INVALID',
        `buildMemory "${options.buildMemory}" is not a memory size`,
        {
          hint: 'write it as PostgreSQL does, e.g. 512MB or 2GB',
        },
      );
    let config: pg.PoolConfig;
    try {
      new URL(url);
      config = { connectionString: url };
    } catch {
      throw new OrbisError('SEARCH_STORE_INVALID', `"${redactUrl(url)}" is not a PostgreSQL URL`, {
        hint: 'write it as postgres://user:password@host:5432/database',
      });
    }
    const pool = new pg.Pool({
      ...config,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    });
    // A connection that breaks (server gone) surfaces as the failing query's error, not as an uncaught event.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const store = new PostgresStore(pool, url, schema, options);
    try {
      await store.run(async (client) => {
        await client.query('CREATE EXTENSION IF NOT EXISTS vector');
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      });
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async createCollection(name: string, spec: { dimensions: number; replace?: boolean }): Promise<Collection> {
    const table = this.table(name);
    if (!Number.isInteger(spec.dimensions) || spec.dimensions < 1 || spec.dimensions > 16_000)
      throw new OrbisError('INVALID_ARGUMENT', `cannot index ${spec.dimensions}-dimensional vectors`);
    const columns = CLIP_COLUMN_NAMES.map(
      (c) =>
        `${c} ${c === 'id' ? 'text PRIMARY KEY' : CLIP_COLUMNS[c] === 'text' ? 'text' : 'double precision'}`,
    );
    await this.run(async (client) => {
      await client.query('BEGIN');
      if (spec.replace) await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(
        `CREATE TABLE ${table} (${columns.join(', ')}, embedding vector(${spec.dimensions}) NOT NULL)`,
      );
      await client.query('COMMIT');
    });
    return new PostgresCollection(name, table, spec.dimensions, this);
  }

  async openCollection(name: string): Promise<Collection> {
    const table = this.table(name);
    const result = await this.query<{ dims: number }>(
      `SELECT a.atttypmod AS dims FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attname = 'embedding' AND NOT a.attisdropped`,
      [table],
    );
    const dims = result.rows[0]?.dims;
    if (dims === undefined) throw noCollection(name, `${redactUrl(this.url)} (schema ${this.schema})`);
    return new PostgresCollection(name, table, dims, this);
  }

  async hasCollection(name: string): Promise<boolean> {
    const result = await this.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      this.table(name),
    ]);
    return result.rows[0]?.t != null;
  }

  async dropCollection(name: string): Promise<void> {
    await this.query(`DROP TABLE IF EXISTS ${this.table(name)}`);
  }

  async renameCollection(from: string, to: string): Promise<void> {
    const source = this.table(from);
    this.table(to);
    await this.run(async (client) => {
      await client.query('BEGIN');
      await client.query(`DROP TABLE IF EXISTS ${this.table(to)}`);
      await client.query(`ALTER TABLE ${source} RENAME TO ${to}`);
      await client.query('COMMIT');
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  get tuning(): Required<Pick<PostgresStoreOptions, 'm' | 'efConstruction' | 'batchRows'>> &
    Pick<PostgresStoreOptions, 'buildMemory'> {
    return {
      buildMemory: this.options.buildMemory,
      m: this.options.m ?? 16,
      efConstruction: this.options.efConstruction ?? 64,
      batchRows: Math.min(4000, this.options.batchRows ?? 2000),
    };
  }

  /** One query on a pooled connection; failures become OrbisErrors that name the server. */
  async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.run((client) => client.query<R>(text, values));
  }

  /** Several statements on one connection (a transaction); rolled back when any fails. */
  async run<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      if (!this.configured.has(client)) {
        // Every pooled session searches the same way: a wider HNSW beam, and iterative scans so that a
        // selective filter still yields k rows. (Statements, not startup options: not every server reads those.)
        const ef = Math.round(this.options.efSearch ?? 100);
        await client.query(`SET hnsw.ef_search = ${ef}; SET hnsw.iterative_scan = relaxed_order`);
        this.configured.add(client);
      }
    } catch (error) {
      client?.release(true);
      throw postgresError(error, this.url);
    }
    try {
      return await work(client);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw postgresError(error, this.url);
    } finally {
      client.release();
    }
  }

  private table(name: string): string {
    if (!NAME.test(name)) throw invalidName('collection', name);
    return `${this.schema}.${name}`;
  }
}

class PostgresCollection implements Collection {
  constructor(
    readonly name: string,
    private readonly table: string,
    readonly dimensions: number,
    private readonly store: PostgresStore,
  ) {}

  async upsert(clips: readonly IndexedClip[]): Promise<void> {
    if (clips.length === 0) return;
    checkDimensions(
      this.name,
      this.dimensions,
      clips.map((c) => c.vector),
    );
    // The last write of an id wins, as it would over several statements (one statement may not touch a row twice).
    const unique = lastWriteWins(clips);
    const columns = [...CLIP_COLUMN_NAMES, 'embedding'];
    const updates = columns
      .filter((c) => c !== 'id')
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ');
    const { batchRows } = this.store.tuning;
    for (let i = 0; i < unique.length; i += batchRows) {
      const batch = unique.slice(i, i + batchRows);
      const values: unknown[] = [];
      const tuples = batch.map((clip) => {
        const first = values.length + 1;
        for (const c of CLIP_COLUMN_NAMES) values.push(clip[COLUMN_FIELD[c]]);
        values.push(vectorBinary(clip.vector));
        const marks = CLIP_COLUMN_NAMES.map((_, j) => `$${first + j}`);
        return `(${marks.join(', ')}, $${first + CLIP_COLUMN_NAMES.length}::vector)`;
      });
      await this.store.query(
        `INSERT INTO ${this.table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}
         ON CONFLICT (id) DO UPDATE SET ${updates}`,
        values,
      );
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.store.query(`DELETE FROM ${this.table} WHERE id = ANY($1::text[])`, [ids]);
  }

  async buildIndex(options: IndexOptions = {}): Promise<IndexInfo> {
    const started = performance.now();
    const rows = Number(
      (await this.store.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`)).rows[0]?.n,
    );
    const existing = await this.store.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname || '.' || tablename = $1`,
      [this.table],
    );
    const has = (kind: string) => existing.rows.some((r) => r.indexdef.includes(kind));
    let kind = 'exact';
    const { m, efConstruction, buildMemory } = this.store.tuning;
    if (rows >= (options.minRows ?? 10_000)) {
      if (!has('USING hnsw'))
        await this.store.run(async (client) => {
          await client.query('BEGIN');
          if (buildMemory) await client.query(`SET LOCAL maintenance_work_mem = '${buildMemory}'`);
          await client.query(
            `CREATE INDEX ON ${this.table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`,
          );
          await client.query('COMMIT');
        });
      kind = `hnsw (m ${m}, ef_construction ${efConstruction})`;
    }
    if (!has('USING gin')) await this.store.query(`CREATE INDEX ON ${this.table} USING gin (${TEXT_SEARCH})`);
    if (!has('(dataset)')) await this.store.query(`CREATE INDEX ON ${this.table} (dataset)`);
    await this.store.query(`ANALYZE ${this.table}`);
    return { kind, rows, seconds: (performance.now() - started) / 1000 };
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<SearchResult> {
    checkK(options.k);
    if (vector.length !== this.dimensions) throw dimensionMismatch(this.name, this.dimensions, vector.length);
    const values: unknown[] = [vectorLiteral(vector)];
    const where = this.where(options.filter, values);
    values.push(options.k);
    const result = await this.store.query<Record<string, unknown>>(
      `SELECT ${SELECT}, 1 - (embedding <=> $1::vector) AS score FROM ${this.table}
       ${where ? `WHERE ${where}` : ''} ORDER BY embedding <=> $1::vector LIMIT $${values.length}`,
      values,
    );
    // relaxed_order iterative scans may return rows slightly out of order; the scores are exact.
    const hits = result.rows.map(hit).sort((a, b) => b.score - a.score);
    return { hits, warnings: [] };
  }

  async searchText(text: string, options: SearchOptions): Promise<SearchResult> {
    checkK(options.k);
    const values: unknown[] = [text];
    const where = this.where(options.filter, values);
    values.push(options.k);
    const result = await this.store.query<Record<string, unknown>>(
      `SELECT ${SELECT}, ts_rank(${TEXT_SEARCH}, plainto_tsquery('english', $1)) AS score FROM ${this.table}
       WHERE ${TEXT_SEARCH} @@ plainto_tsquery('english', $1) ${where ? `AND ${where}` : ''}
       ORDER BY score DESC, id LIMIT $${values.length}`,
      values,
    );
    return { hits: result.rows.map(hit), warnings: [] };
  }

  async fetch(ids: readonly string[]): Promise<IndexedClip[]> {
    if (ids.length === 0) return [];
    const result = await this.store.query<Record<string, unknown>>(
      `SELECT ${SELECT}, embedding::text AS embedding FROM ${this.table} WHERE id = ANY($1::text[])`,
      [ids],
    );
    return result.rows.map((row) => ({
      ...rowToClip(row),
      vector: Float32Array.from(JSON.parse(String(row.embedding)) as number[]),
    }));
  }

  async count(filter?: ClipFilter): Promise<number> {
    const values: unknown[] = [];
    const where = this.where(filter, values);
    const result = await this.store.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.table} ${where ? `WHERE ${where}` : ''}`,
      values,
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  private where(filter: ClipFilter | undefined, values: unknown[]): string | undefined {
    return filterToSql(
      filter,
      (value) => {
        values.push(value);
        return `$${values.length}`;
      },
      'postgres',
    );
  }
}

/**
 * pgvector's binary wire format (int16 dimensions, int16 unused, big-endian float32s). `pg` sends Buffer
 * parameters in binary, so the server reads the floats as they are instead of parsing their decimal text:
 * several times faster bulk loads than text, with no rounding.
 */
function vectorBinary(v: Float32Array): Buffer {
  const buffer = Buffer.allocUnsafe(4 + 4 * v.length);
  buffer.writeInt16BE(v.length, 0);
  buffer.writeInt16BE(0, 2);
  for (let i = 0; i < v.length; i++) buffer.writeFloatBE(v[i]!, 4 + 4 * i);
  return buffer;
}

function vectorLiteral(v: Float32Array): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

function rowToClip(row: Record<string, unknown>): Omit<IndexedClip, 'vector'> {
  const clip: Record<string, unknown> = {};
  for (const c of CLIP_COLUMN_NAMES) clip[COLUMN_FIELD[c]] = row[c] ?? null;
  return clip as Omit<IndexedClip, 'vector'>;
}

function hit(row: Record<string, unknown>): SearchResult['hits'][number] {
  return { clip: rowToClip(row), score: Number(row.score) };
}

function invalidName(what: string, name: string): OrbisError {
  return new OrbisError('INVALID_ARGUMENT', `"${name}" is not a usable ${what} name`, {
    hint: 'use lower-case letters, digits and _ (at most 63), starting with a letter or _',
  });
}
