import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OrbisError } from '../../core/index.js';
import { exactTopK, recallAtK } from '../exact-knn.js';
import { type ClipFilter, matchesFilter, parseFilter } from '../filter.js';
import type { IndexedClip } from '../indexed-clip.js';
import type { Collection, VectorStore } from '../vector-store.js';
import { clusteredVectors, row } from './clustered-vectors.js';

const DIMS = 32;
const ROWS = 1500;
const CAPTIONS = ['a robot arm drops a cup', 'a dog runs across a street', 'cars at night in the rain', null];

/** A set of clips with varied metadata; clip i has vector row i. */
export function sampleClips(count = ROWS, dimensions = DIMS, seed = 7): IndexedClip[] {
  const vectors = clusteredVectors({ count, dimensions, clusters: 30, seed });
  return Array.from({ length: count }, (_, i) => ({
    id: `clip-${String(i).padStart(5, '0')}`,
    vector: Float32Array.from(row(vectors, i)),
    dataset: i % 2 ? 'night' : 'day',
    source: `videos/${i % 3 ? 'street' : "o'brien robot"}-${i % 7}.mp4`,
    spanStart: i,
    spanEnd: i + 1 + (i % 5),
    duration: 1 + (i % 5),
    width: i % 4 ? 1280 : 640,
    height: i % 4 ? 720 : 360,
    fps: 30,
    caption: CAPTIONS[i % CAPTIONS.length] ?? null,
    thumbnail: `thumbs/${i}.jpg`,
    motion: (i % 10) / 2,
    sharpness: i % 11 ? 100 + i : null,
    brightness: 50,
    aesthetic: null,
  }));
}

function brute(clips: readonly IndexedClip[], query: Float32Array, k: number, filter?: ClipFilter): string[] {
  const kept = clips.filter((c) => matchesFilter(c, filter));
  const data = new Float32Array(kept.length * query.length);
  for (const [i, c] of kept.entries()) data.set(c.vector, i * query.length);
  return exactTopK(data, query.length, query, k).map((h) => kept[h.row]!.id);
}

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(OrbisError.isInstance(e), `an OrbisError, not ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/**
 * The behaviour every VectorStore must have, as tests. `open` gives a fresh store (its own folder,
 * schema or shards); `close` cleans up what `open` started.
 */
export function vectorStoreConformance(
  name: string,
  open: () => Promise<VectorStore>,
  cleanup: () => Promise<void> = async () => {},
): void {
  describe(`VectorStore conformance: ${name}`, () => {
    let store: VectorStore;
    let collection: Collection;
    const clips = sampleClips();

    before(async () => {
      store = await open();
      collection = await store.createCollection('conformance', { dimensions: DIMS, replace: true });
      // In three bulk batches, the way an indexer writes.
      for (let i = 0; i < clips.length; i += 600) await collection.upsert(clips.slice(i, i + 600));
    });
    after(async () => {
      await store?.close();
      await cleanup();
    });

    test('counts what was written, with and without a filter', async () => {
      assert.equal(await collection.count(), clips.length);
      const filter = parseFilter('dataset=night and duration>=3');
      assert.equal(await collection.count(filter), clips.filter((c) => matchesFilter(c, filter)).length);
    });

    test('finds a stored vector first, at similarity 1, then the exact neighbours (no index yet)', async () => {
      for (const i of [0, 123, 1499]) {
        const { hits } = await collection.search(clips[i]!.vector, { k: 10 });
        assert.equal(hits[0]!.clip.id, clips[i]!.id);
        assert.ok(Math.abs(hits[0]!.score - 1) < 1e-4, `score ${hits[0]!.score}`);
        for (let h = 1; h < hits.length; h++) assert.ok(hits[h - 1]!.score >= hits[h]!.score - 1e-6);
        assert.deepEqual(
          hits.map((h) => h.clip.id),
          brute(clips, clips[i]!.vector, 10),
        );
      }
    });

    test('returns metadata as written', async () => {
      const { hits } = await collection.search(clips[5]!.vector, { k: 1 });
      const { vector: _, ...expected } = clips[5]!;
      assert.deepEqual(hits[0]!.clip, expected);
    });

    test('filters agree with their in-memory meaning, for every operator', async () => {
      const filters = [
        'dataset=night',
        'dataset!=night and width>=1280',
        'duration<3',
        'duration<=3 and motion>2',
        'source~"O\'BRIEN"',
        'caption~cup and height=360',
        'sharpness>500',
        'start>=1000 and end<1200',
      ];
      for (const text of filters) {
        const filter = parseFilter(text);
        const query = clips[42]!.vector;
        const { hits } = await collection.search(query, { k: 10, filter });
        assert.deepEqual(
          hits.map((h) => h.clip.id),
          brute(clips, query, 10, filter),
          `filter ${text}`,
        );
      }
    });

    test('upserts replace clips by id and delete removes them', async () => {
      const changed = { ...clips[7]!, caption: 'changed', vector: clips[8]!.vector };
      await collection.upsert([changed]);
      assert.equal(await collection.count(), clips.length);
      const [fetched] = await collection.fetch([clips[7]!.id]);
      assert.equal(fetched?.caption, 'changed');
      assert.deepEqual(Array.from(fetched!.vector), Array.from(clips[8]!.vector));
      await collection.delete([clips[9]!.id, clips[10]!.id]);
      assert.equal(await collection.count(), clips.length - 2);
      const { hits } = await collection.search(clips[9]!.vector, { k: 5 });
      assert.ok(!hits.some((h) => h.clip.id === clips[9]!.id));
      // The same id twice in one batch: the later row wins.
      await collection.upsert([clips[7]!, clips[9]!, { ...clips[10]!, caption: 'first' }, clips[10]!]);
      assert.equal(await collection.count(), clips.length);
      assert.equal((await collection.fetch([clips[10]!.id]))[0]?.caption, clips[10]!.caption);
    });

    test('a wrong dimension is refused, on write and on query, and nothing of the batch is written', async () => {
      const bad = [
        { ...clips[0]!, id: 'new-1' },
        { ...clips[1]!, id: 'new-2', vector: new Float32Array(DIMS + 1) },
      ];
      await rejects(collection.upsert(bad), 'SEARCH_DIMENSION_MISMATCH');
      assert.equal((await collection.fetch(['new-1'])).length, 0);
      await rejects(collection.search(new Float32Array(DIMS - 1), { k: 3 }), 'SEARCH_DIMENSION_MISMATCH');
    });

    test('opening a collection that does not exist is SEARCH_NO_INDEX', async () => {
      await rejects(store.openCollection('never_made'), 'SEARCH_NO_INDEX');
      assert.equal(await store.hasCollection('never_made'), false);
    });

    test('after the index is built: recall@10 against brute force, filters and full text', async () => {
      const info = await collection.buildIndex({ minRows: 0 });
      assert.equal(info.rows, clips.length);
      assert.notEqual(info.kind, 'exact');
      let recall = 0;
      const queries = [3, 99, 400, 777, 1001, 1234, 1400, 1450];
      for (const i of queries) {
        const { hits } = await collection.search(clips[i]!.vector, { k: 10 });
        recall +=
          recallAtK(
            brute(clips, clips[i]!.vector, 10),
            hits.map((h) => h.clip.id),
          ) / queries.length;
      }
      assert.ok(recall >= 0.9, `recall@10 ${recall}`);
      const filter = parseFilter('dataset=day and motion>=3');
      const { hits } = await collection.search(clips[400]!.vector, { k: 10, filter });
      assert.equal(hits.length, 10, 'a filtered query still fills k');
      for (const h of hits) assert.ok(h.clip.dataset === 'day' && (h.clip.motion ?? 0) >= 3);

      const text = await collection.searchText('cup', { k: 20 });
      assert.equal(text.hits.length, 20);
      for (const h of text.hits) assert.match(h.clip.caption ?? '', /cup/);
      const filtered = await collection.searchText('rain', { k: 5, filter: parseFilter('start>=1000') });
      assert.equal(filtered.hits.length, 5);
      for (const h of filtered.hits) assert.ok(h.clip.caption?.includes('rain') && h.clip.spanStart >= 1000);
      assert.equal((await collection.searchText('zeppelin', { k: 5 })).hits.length, 0);
    });

    test('a collection built under a temporary name replaces the live one in one step', async () => {
      const next = await store.createCollection('conformance_next', { dimensions: 8, replace: true });
      await next.upsert(sampleClips(20, 8, 3));
      await store.renameCollection('conformance_next', 'conformance_live');
      await store.createCollection('conformance_next', { dimensions: 8, replace: true });
      await (await store.openCollection('conformance_next')).upsert(sampleClips(5, 8, 4));
      await store.renameCollection('conformance_next', 'conformance_live');
      const live = await store.openCollection('conformance_live');
      assert.equal(live.dimensions, 8);
      assert.equal(await live.count(), 5);
      assert.equal(await store.hasCollection('conformance_next'), false);
      await store.dropCollection('conformance_live');
      assert.equal(await store.hasCollection('conformance_live'), false);
    });
  });
}
