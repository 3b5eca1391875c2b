import { OrbisError } from '../core/index.js';
import type { ClipFilter } from './filter.js';
import type { IndexedClip } from './indexed-clip.js';
import { shardOf } from './shard-routing.js';
import { checkDimensions, checkK } from './store-errors.js';
import type {
  Collection,
  IndexInfo,
  IndexOptions,
  SearchHit,
  SearchOptions,
  SearchResult,
  VectorStore,
} from './vector-store.js';

export interface ShardedStoreOptions {
  /**
   * What a query does when a shard fails: `fail` (default) throws SEARCH_SHARD_FAILED naming the shard;
   * `partial` returns the other shards' merged hits with a warning per failed shard.
   */
  onShardError?: 'fail' | 'partial';
}

/**
 * N stores behind one interface. Writes go to the shard picked by a stable hash of the clip id; queries
 * fan out to every shard in parallel and merge their top k. Each shard returns its exact top k (under its
 * own index), so the merged list is the top k of the union: the merge loses nothing.
 */
export class ShardedStore implements VectorStore {
  readonly kind: string;

  constructor(
    readonly shards: readonly VectorStore[],
    private readonly options: ShardedStoreOptions = {},
  ) {
    if (shards.length === 0)
      throw new OrbisError('INVALID_ARGUMENT', 'a sharded store needs at least one shard');
    this.kind = `sharded(${shards.length} x ${shards[0]!.kind})`;
  }

  async createCollection(name: string, spec: { dimensions: number; replace?: boolean }): Promise<Collection> {
    const parts = await this.each((s) => s.createCollection(name, spec));
    return new ShardedCollection(name, parts, this.options);
  }

  async openCollection(name: string): Promise<Collection> {
    if (this.options.onShardError !== 'partial')
      return new ShardedCollection(name, await this.each((s) => s.openCollection(name)), this.options);
    // For partial results a shard that cannot be opened stays in, as a part whose every call fails.
    const settled = await Promise.allSettled(this.shards.map((s) => s.openCollection(name)));
    const open = settled.find((s) => s.status === 'fulfilled');
    if (!open) throw shardFailed(0, this.shards.length, (settled[0] as PromiseRejectedResult).reason);
    const parts = settled.map((s) =>
      s.status === 'fulfilled' ? s.value : unavailable(name, open.value.dimensions, s.reason),
    );
    return new ShardedCollection(name, parts, this.options);
  }

  async hasCollection(name: string): Promise<boolean> {
    return (await this.each((s) => s.hasCollection(name))).every(Boolean);
  }

  async dropCollection(name: string): Promise<void> {
    await this.each((s) => s.dropCollection(name));
  }

  async renameCollection(from: string, to: string): Promise<void> {
    await this.each((s) => s.renameCollection(from, to));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.shards.map((s) => s.close()));
  }

  private async each<T>(work: (store: VectorStore, shard: number) => Promise<T>): Promise<T[]> {
    return allShards(this.shards.map((s, i) => () => work(s, i)));
  }
}

class ShardedCollection implements Collection {
  readonly dimensions: number;

  constructor(
    readonly name: string,
    private readonly parts: readonly Collection[],
    private readonly options: ShardedStoreOptions,
  ) {
    this.dimensions = parts[0]!.dimensions;
  }

  async upsert(clips: readonly IndexedClip[]): Promise<void> {
    // The whole batch is checked before any shard writes, so a bad row leaves every shard untouched.
    checkDimensions(
      this.name,
      this.dimensions,
      clips.map((c) => c.vector),
    );
    const routed = this.route(clips, (c) => c.id);
    await allShards(this.parts.map((p, i) => () => p.upsert(routed[i]!)));
  }

  async delete(ids: readonly string[]): Promise<void> {
    const routed = this.route(ids, (id) => id);
    await allShards(
      this.parts.map((p, i) => () => (routed[i]!.length ? p.delete(routed[i]!) : Promise.resolve())),
    );
  }

  async buildIndex(options?: IndexOptions): Promise<IndexInfo> {
    const started = performance.now();
    const infos = await allShards(this.parts.map((p) => () => p.buildIndex(options)));
    const kinds = [...new Set(infos.map((i) => i.kind))];
    return {
      kind: `${this.parts.length} shards: ${kinds.join(' / ')}`,
      rows: infos.reduce((a, i) => a + i.rows, 0),
      seconds: (performance.now() - started) / 1000,
    };
  }

  search(vector: Float32Array, options: SearchOptions): Promise<SearchResult> {
    return this.fanOut((p) => p.search(vector, options), options.k);
  }

  searchText(text: string, options: SearchOptions): Promise<SearchResult> {
    return this.fanOut((p) => p.searchText(text, options), options.k);
  }

  async fetch(ids: readonly string[]): Promise<IndexedClip[]> {
    const routed = this.route(ids, (id) => id);
    const found = await allShards(
      this.parts.map((p, i) => () => (routed[i]!.length ? p.fetch(routed[i]!) : Promise.resolve([]))),
    );
    return found.flat();
  }

  async count(filter?: ClipFilter): Promise<number> {
    const counts = await allShards(this.parts.map((p) => () => p.count(filter)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private route<T>(items: readonly T[], id: (item: T) => string): T[][] {
    const routed = this.parts.map(() => [] as T[]);
    for (const item of items) routed[shardOf(id(item), this.parts.length)]!.push(item);
    return routed;
  }

  private async fanOut(query: (part: Collection) => Promise<SearchResult>, k: number): Promise<SearchResult> {
    checkK(k);
    const settled = await Promise.allSettled(this.parts.map((p) => query(p)));
    const warnings: string[] = [];
    const lists: SearchHit[][] = [];
    for (const [i, s] of settled.entries()) {
      if (s.status === 'fulfilled') {
        lists.push(s.value.hits);
        warnings.push(...s.value.warnings.map((w) => `shard ${i}: ${w}`));
        continue;
      }
      if (this.options.onShardError !== 'partial') throw shardFailed(i, this.parts.length, s.reason);
      warnings.push(
        `shard ${i} of ${this.parts.length} failed, its clips are missing: ${messageOf(s.reason)}`,
      );
    }
    if (lists.length === 0)
      throw shardFailed(0, this.parts.length, (settled[0] as PromiseRejectedResult).reason);
    return { hits: mergeTopK(lists, k), warnings };
  }
}

/** A shard that could not be opened: every call fails with the reason it could not. */
function unavailable(name: string, dimensions: number, reason: unknown): Collection {
  const fail = () => Promise.reject(reason);
  return {
    name,
    dimensions,
    upsert: fail,
    delete: fail,
    buildIndex: fail,
    search: fail,
    searchText: fail,
    fetch: fail,
    count: fail,
  };
}

/** The k best of several best-first lists, ties broken by clip id so that the order is stable. */
export function mergeTopK(lists: readonly SearchHit[][], k: number): SearchHit[] {
  return lists
    .flat()
    .sort((a, b) => b.score - a.score || (a.clip.id < b.clip.id ? -1 : a.clip.id > b.clip.id ? 1 : 0))
    .slice(0, k);
}

/** Run on every shard at once; the first failure (after all have settled) names its shard. */
async function allShards<T>(work: readonly (() => Promise<T>)[]): Promise<T[]> {
  const settled = await Promise.allSettled(work.map((w) => w()));
  const failed = settled.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) throw shardFailed(failed, work.length, (settled[failed] as PromiseRejectedResult).reason);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function shardFailed(shard: number, of: number, cause: unknown): OrbisError {
  // Errors that are the caller's (a bad filter, a wrong dimension, no index) keep their own code.
  if (OrbisError.isInstance(cause) && !cause.code.startsWith('SEARCH_STORE')) return cause;
  return new OrbisError('SEARCH_SHARD_FAILED', `shard ${shard} of ${of} failed: ${messageOf(cause)}`, {
    hint: 'bring the shard back, or ask for partial results (--partial) to search the others',
    cause,
    details: { shard },
  });
}

function messageOf(error: unknown): string {
  return OrbisError.isInstance(error)
    ? error.oneLine()
    : error instanceof Error
      ? error.message
      : String(error);
}
