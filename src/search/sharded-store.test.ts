import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { exactTopK } from './exact-knn.js';
import { LanceStore } from './lancedb-store.js';
import { PostgresStore } from './postgres-store.js';
import { fnv1a, shardOf } from './shard-routing.js';
import { ShardedStore } from './sharded-store.js';
import { sampleClips, vectorStoreConformance } from './testing/conformance.js';
import { type PgliteServer, startPgliteServer } from './testing/pglite-server.js';
import type { Collection, VectorStore } from './vector-store.js';

const dir = tempDir('orbis-shards-');
let server: PgliteServer | undefined;

// Shards of either kind behind one interface: two LanceDB folders and one PostgreSQL schema.
vectorStoreConformance(
  'sharded, 3 shards (LanceDB, LanceDB, PostgreSQL)',
  async () => {
    server = await startPgliteServer();
    return new ShardedStore([
      await LanceStore.open(join(dir, 'conformance-0')),
      await LanceStore.open(join(dir, 'conformance-1')),
      await PostgresStore.open(server.url, { schema: 'shard_2' }),
    ]);
  },
  async () => server?.stop(),
);

test('routing by clip id is stable and spreads clips over the shards', () => {
  const ids = sampleClips(3000, 4).map((c) => c.id);
  const counts = [0, 0, 0];
  for (const id of ids) counts[shardOf(id, 3)]!++;
  for (const n of counts) assert.ok(n > 800 && n < 1200, `shard sizes ${counts}`);
  // Pinned: the hash must not change between releases, or existing shards would be misrouted.
  assert.equal(fnv1a('a'), 0xe40c292c, 'the published FNV-1a 32-bit value of "a"');
  assert.deepEqual(
    ['clip-00000', 'clip-00001', 'a3f9c2e18b7d4c01'].map((id) => shardOf(id, 3)),
    [0, 2, 2],
  );
});

describe('a shard that fails', () => {
  let down: PgliteServer;
  const stores: VectorStore[] = [];
  const clips = sampleClips(300, 32, 11);
  let openedWhileUp: Collection;

  before(async () => {
    down = await startPgliteServer();
    stores.push(
      await LanceStore.open(join(dir, 'failing-0')),
      await LanceStore.open(join(dir, 'failing-1')),
      await PostgresStore.open(down.url, { schema: 'failing', connectTimeoutMs: 2000 }),
    );
    const sharded = new ShardedStore(stores);
    await (await sharded.createCollection('clips', { dimensions: 32 })).upsert(clips);
    openedWhileUp = await sharded.openCollection('clips');
    await down.stop(); // shard 2 goes away
  });
  after(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
  });

  const namesShard2 = (e: unknown) => {
    assert.ok(OrbisError.isInstance(e), String(e));
    assert.equal(e.code, 'SEARCH_SHARD_FAILED');
    assert.match(e.message, /shard 2 of 3 failed: cannot reach PostgreSQL/);
    return true;
  };

  test('makes opening and querying fail with an error that names the shard, by default', async () => {
    await assert.rejects(new ShardedStore(stores).openCollection('clips'), namesShard2);
    await assert.rejects(openedWhileUp.search(clips[0]!.vector, { k: 5 }), namesShard2);
  });

  test("returns the other shards' exact top k with a warning, when the caller asks for partial results", async () => {
    const collection = await new ShardedStore(stores, { onShardError: 'partial' }).openCollection('clips');
    const query = clips[17]!.vector;
    const { hits, warnings } = await collection.search(query, { k: 10 });
    const reachable = clips.filter((c) => shardOf(c.id, 3) !== 2);
    const data = new Float32Array(reachable.length * 32);
    for (const [i, c] of reachable.entries()) data.set(c.vector, i * 32);
    assert.deepEqual(
      hits.map((h) => h.clip.id),
      exactTopK(data, 32, query, 10).map((h) => reachable[h.row]!.id),
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /shard 2 of 3 failed, its clips are missing: cannot reach PostgreSQL/);
  });
});
