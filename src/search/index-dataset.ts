import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Progress, writeFileAtomic } from '../core/index.js';
import { CuratedDataset } from './curated-dataset.js';
import { type IndexManifest, indexManifestPath } from './index-manifest.js';
import { collectionName, describeStore, openStore, type StoreSpec } from './open-store.js';
import type { VectorStore } from './vector-store.js';

export interface IndexDatasetOptions {
  store?: StoreSpec;
  /** Rows per bulk write (default 10,000). */
  batchRows?: number;
  /** Below this many rows no ANN index is built (exact search; default 10,000). */
  minIndexRows?: number;
  progress?: Progress;
  signal?: AbortSignal;
}

/**
 * Index a curated dataset: bulk-load its clip embeddings and metadata into a store, then build the ANN
 * and full-text indexes once, after loading. The load goes into a temporary collection that replaces the
 * live one only when complete; a failed or interrupted run drops it, so no partial index is left behind
 * and the previous index (if any) keeps serving.
 */
export async function indexDataset(
  datasetDir: string,
  options: IndexDatasetOptions = {},
): Promise<IndexManifest> {
  const dataset = await CuratedDataset.open(datasetDir);
  const spec = options.store ?? { store: 'lancedb', shards: 1 };
  const name = collectionName(spec, dataset.dir);
  const building = `${name}_building`;
  await mkdir(dirname(indexManifestPath(dataset.dir)), { recursive: true });
  const store = await openStore(spec, dataset.dir);
  try {
    const { ingestSeconds, index } = await load(store, dataset, building, options).catch(async (error) => {
      await store.dropCollection(building).catch(() => undefined);
      throw error;
    });
    await store.renameCollection(building, name);
    const manifest: IndexManifest = {
      version: 1,
      dataset: dataset.dir,
      store: describeStore(spec),
      collection: name,
      embedder: dataset.meta.model,
      dimensions: dataset.meta.dimensions,
      rows: index.rows,
      index: index.kind,
      builtAt: new Date().toISOString(),
      seconds: { ingest: ingestSeconds, index: index.seconds },
      rowsPerSecond: ingestSeconds > 0 ? index.rows / ingestSeconds : 0,
    };
    await writeFileAtomic(indexManifestPath(dataset.dir), `${JSON.stringify(manifest, null, 2)}\n`);
    await removeOtherLanceLayouts(dataset.dir, spec);
    return manifest;
  } finally {
    await store.close();
  }
}

async function load(
  store: VectorStore,
  dataset: CuratedDataset,
  building: string,
  options: IndexDatasetOptions,
) {
  const collection = await store.createCollection(building, {
    dimensions: dataset.meta.dimensions,
    replace: true,
  });
  const task = options.progress?.task('index', dataset.size);
  const started = performance.now();
  let done = 0;
  for await (const batch of dataset.clips(options.batchRows)) {
    options.signal?.throwIfAborted();
    await collection.upsert(batch);
    done += batch.length;
    task?.update(done);
  }
  const ingestSeconds = (performance.now() - started) / 1000;
  task?.done(`${Math.round(done / Math.max(ingestSeconds, 1e-6))} rows/s`);
  options.signal?.throwIfAborted();
  const index = await collection.buildIndex({ minRows: options.minIndexRows ?? 10_000 });
  return { ingestSeconds, index };
}

/** Once the new index is recorded, LanceDB folders of an earlier layout (other shard counts) are dead weight. */
async function removeOtherLanceLayouts(datasetDir: string, spec: StoreSpec): Promise<void> {
  const root = join(datasetDir, 'search');
  const live = new Set(
    spec.store !== 'lancedb'
      ? []
      : spec.shards === 1
        ? ['lancedb']
        : Array.from({ length: spec.shards }, (_, i) => `lancedb-shard-${i}`),
  );
  for (const entry of await readdir(root)) {
    if (/^lancedb(-shard-\d+)?$/.test(entry) && !live.has(entry))
      await rm(join(root, entry), { recursive: true, force: true });
  }
}
