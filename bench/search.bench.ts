/**
 * Vector search at scale: N clustered 256-d float32 vectors (shaped like clip embeddings), through each
 * store's real ingestion and index path, then Q held-out queries. Per store: ingestion rows/s, index build
 * time, recall@10 against exact brute force, latency p50/p95/p99 and queries/s (one query at a time), peak
 * memory and disk. Peers in the same run: the exact brute-force scan in TypeScript (the ground truth) and
 * usearch's HNSW. pgvector runs on PGlite (PostgreSQL compiled to WASM, one thread) at a smaller N.
 *
 *   npm run bench:search -- [--n 1000000] [--dims 256] [--queries 100] [--pg-n 100000] [--pg-memory 1500MB] [--pg-ef 100,200,400]
 *                           [--skip usearch,postgres]
 *   npm run bench:search -- --dataset <curated dir>   # real curator embeddings, each clip queried in turn
 *   npm run bench:search -- --curate-videos 40          # generate and curate that many videos, then the same
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { curate, parseCuratorConfig } from '../src/curator/index.js';
import {
  type Collection,
  CuratedDataset,
  exactTopK,
  type IndexedClip,
  LanceStore,
  PostgresStore,
  recallAtK,
} from '../src/search/index.js';
import { clusteredVectors, row } from '../src/search/testing/clustered-vectors.js';
import { startPgliteServer } from '../src/search/testing/pglite-server.js';
import { makeTestVideo } from '../src/video/index.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    dims: { type: 'string', default: '256' },
    queries: { type: 'string', default: '100' },
    'pg-n': { type: 'string', default: '100000' },
    'pg-memory': { type: 'string', default: '1500MB' },
    'pg-ef': { type: 'string', default: '100,200,400' },
    skip: { type: 'string', default: '' },
    dataset: { type: 'string' },
    'curate-videos': { type: 'string' },
  },
});
const K = 10;
const skip = new Set(values.skip.split(',').filter(Boolean));
const log = (line: string) => process.stderr.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-search-'));

interface Row {
  store: string;
  n: number;
  ingestRowsPerS: number | undefined;
  indexSeconds: number | undefined;
  recall: number;
  p50: number;
  p95: number;
  p99: number;
  qps: number;
  peakRssMiB: number;
  diskMiB: number | undefined;
  note: string;
  /** The exact scan's queries/s over the same N, when it differs from the main data set's. */
  exactQps?: number;
}
const rows: Row[] = [];

/** Generated videos (12 shots each, every third video a resized copy of the one before), curated. */
async function curatedCorpus(videos: number): Promise<string> {
  const inputs = join(dir, 'videos');
  const t = performance.now();
  for (let v = 0; v < videos; v++) {
    const copy = v % 3 === 2;
    await makeTestVideo(join(inputs, `video-${v}.mp4`), {
      shots: 12,
      shotSeconds: [2.5, 3, 4],
      transitions: ['cut'],
      width: copy ? 160 : 192,
      height: copy ? 90 : 108,
      seed: copy ? v - 1 : v,
      preset: 'ultrafast',
    });
  }
  const report = await curate([inputs], {
    out: join(dir, 'dataset'),
    config: parseCuratorConfig({ dedup: { threshold: 1 } }),
  });
  log(
    `curated ${videos} videos into ${report.counts.kept} clips in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  return join(dir, 'dataset');
}

/** Data set: N vectors to index and Q held-out queries from the same clusters, or a curated dataset's clips. */
async function loadData(): Promise<{
  data: Float32Array;
  dims: number;
  n: number;
  queries: Float32Array[];
  label: string;
}> {
  const datasetDir = values['curate-videos']
    ? await curatedCorpus(Number(values['curate-videos']))
    : values.dataset;
  if (datasetDir) {
    const ds = await CuratedDataset.open(datasetDir);
    const clips: IndexedClip[] = [];
    for await (const batch of ds.clips()) clips.push(...batch);
    const dims = ds.meta.dimensions;
    const data = new Float32Array(clips.length * dims);
    for (const [i, c] of clips.entries()) data.set(c.vector, i * dims);
    const step = Math.max(1, Math.floor(clips.length / Number(values.queries)));
    const queries = clips.filter((_, i) => i % step === 0).map((c) => c.vector);
    return { data, dims, n: clips.length, queries, label: `curated dataset ${ds.dir} (${ds.meta.model})` };
  }
  const n = Number(values.n);
  const dims = Number(values.dims);
  const q = Number(values.queries);
  const t = performance.now();
  const all = clusteredVectors({
    count: n + q,
    dimensions: dims,
    clusters: Math.round(Math.sqrt(n)),
    seed: 42,
  });
  log(`generated ${n + q} x ${dims} vectors in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const queries = Array.from({ length: q }, (_, i) => Float32Array.from(row(all, n + i)));
  return {
    data: all.data.subarray(0, n * dims),
    dims,
    n,
    queries,
    label: `${n} generated clustered vectors`,
  };
}

function clipsOf(data: Float32Array, dims: number, from: number, to: number): IndexedClip[] {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return {
      id: idOf(i),
      vector: data.subarray(i * dims, (i + 1) * dims),
      dataset: `set-${i % 10}`,
      source: `videos/source-${i % 1000}.mp4`,
      spanStart: i % 600,
      spanEnd: (i % 600) + 5,
      duration: 5,
      width: 1280,
      height: 720,
      fps: 30,
      caption: null,
      thumbnail: null,
      motion: i % 7,
      sharpness: null,
      brightness: null,
      aesthetic: null,
    };
  });
}

const idOf = (i: number) => `c${String(i).padStart(8, '0')}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Sample RSS while `work` runs; returns its result and the peak in MiB. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  try {
    const result = await work();
    return [result, Math.max(peak, process.memoryUsage().rss) / 2 ** 20];
  } finally {
    clearInterval(timer);
  }
}

async function measureQueries(
  queries: Float32Array[],
  truth: string[][],
  search: (q: Float32Array) => Promise<string[]> | string[],
): Promise<Pick<Row, 'recall' | 'p50' | 'p95' | 'p99' | 'qps'>> {
  for (const q of queries.slice(0, 5)) await search(q); // warm caches
  const times: number[] = [];
  let recall = 0;
  const started = performance.now();
  for (const [i, q] of queries.entries()) {
    const t = performance.now();
    const found = await search(q);
    times.push(performance.now() - t);
    recall += recallAtK(truth[i]!, found) / queries.length;
  }
  const total = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    recall,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    p99: percentile(times, 0.99),
    qps: queries.length / total,
  };
}

function du(path: string): number {
  return Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0]) / 1024;
}

async function ingest(collection: Collection, data: Float32Array, dims: number, n: number, batch: number) {
  const t = performance.now();
  for (let from = 0; from < n; from += batch) {
    await collection.upsert(clipsOf(data, dims, from, Math.min(n, from + batch)));
    if (from % (batch * 5) === 0) log(`  ingested ${from + batch} / ${n}`);
  }
  return n / ((performance.now() - t) / 1000);
}

try {
  const { data, dims, n, queries, label } = await loadData();
  log(
    `${label}; ${queries.length} queries; ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );

  // Peer 1 and ground truth: the exact scan.
  const [exact, exactRss] = await withPeakRss(async () => {
    const truth: string[][] = [];
    const m = await measureQueries(
      queries,
      queries.map(() => []),
      (q) => {
        const ids = exactTopK(data, dims, q, K).map((h) => idOf(h.row));
        truth.push(ids);
        return ids;
      },
    );
    return { truth: truth.slice(5), m }; // the first 5 were the warm-up
  });
  const truth = exact.truth;
  rows.push({
    store: 'exact scan (TypeScript, 1 thread)',
    n,
    ingestRowsPerS: undefined,
    indexSeconds: undefined,
    ...exact.m,
    recall: 1,
    peakRssMiB: exactRss,
    diskMiB: undefined,
    note: 'ground truth',
  });
  log(`exact: ${exact.m.qps.toFixed(1)} q/s`);

  if (!skip.has('lancedb')) {
    const uri = join(dir, 'lancedb');
    const [result, rss] = await withPeakRss(async () => {
      const store = await LanceStore.open(uri);
      const collection = await store.createCollection('bench', { dimensions: dims });
      const rate = await ingest(collection, data, dims, n, 100_000);
      log(`lancedb: ingested at ${Math.round(rate)} rows/s; building the index...`);
      const info = await collection.buildIndex({ minRows: 0 });
      log(`lancedb: ${info.kind} in ${info.seconds.toFixed(1)} s`);
      await store.close();
      const sweeps = [];
      for (const tuning of [
        { nprobes: 1, ef: 32, refineFactor: 1 },
        { nprobes: 3, ef: 64, refineFactor: 4 },
        { nprobes: 5, ef: 128, refineFactor: 8 },
      ]) {
        const tuned = await LanceStore.open(uri, { tuning });
        const c = await tuned.openCollection('bench');
        const m = await measureQueries(queries, truth, async (q) =>
          (await c.search(q, { k: K })).hits.map((h) => h.clip.id),
        );
        sweeps.push({ tuning, m });
        log(`lancedb ${JSON.stringify(tuning)}: recall ${m.recall.toFixed(3)}, p50 ${m.p50.toFixed(2)} ms`);
        await tuned.close();
      }
      return { rate, info, sweeps };
    });
    for (const s of result.sweeps)
      rows.push({
        store: 'LanceDB IVF_HNSW_SQ',
        n,
        ingestRowsPerS: result.rate,
        indexSeconds: result.info.seconds,
        ...s.m,
        peakRssMiB: rss,
        diskMiB: du(uri),
        note: `nprobes ${s.tuning.nprobes}, ef ${s.tuning.ef}, refine ${s.tuning.refineFactor}${s.tuning.nprobes === 3 ? ' (default)' : ''}`,
      });
  }

  if (!skip.has('usearch')) {
    const { Index, MetricKind, ScalarKind } = (await import('usearch')).default as typeof import('usearch');
    const [result, rss] = await withPeakRss(async () => {
      const index = new Index({
        dimensions: dims,
        metric: MetricKind.Cos,
        quantization: ScalarKind.F32,
        connectivity: 16,
        expansion_add: 128,
        expansion_search: 64,
        multi: false,
      });
      const t = performance.now();
      const keys = new BigUint64Array(n).map((_, i) => BigInt(i));
      for (let from = 0; from < n; from += 100_000) {
        const to = Math.min(n, from + 100_000);
        index.add(keys.subarray(from, to), data.subarray(from * dims, to * dims), availableParallelism());
      }
      const seconds = (performance.now() - t) / 1000;
      log(`usearch: built in ${seconds.toFixed(1)} s`);
      const m = await measureQueries(queries, truth, (q) =>
        Array.from(index.search(q, K, 1).keys, (key) => idOf(Number(key))),
      );
      return { seconds, m };
    });
    rows.push({
      store: 'usearch 2.25 HNSW f32 (peer)',
      n,
      ingestRowsPerS: n / result.seconds,
      indexSeconds: result.seconds,
      ...result.m,
      peakRssMiB: rss,
      diskMiB: undefined,
      note: `M 16, ef_add 128, ef_search 64, build on ${availableParallelism()} threads, in memory`,
    });
  }

  if (!skip.has('postgres')) {
    const pn = Math.min(n, Number(values['pg-n']));
    const scanned = performance.now();
    const pgTruth = queries.map((q) =>
      exactTopK(data.subarray(0, pn * dims), dims, q, K).map((h) => idOf(h.row)),
    );
    const pgExactQps = queries.length / ((performance.now() - scanned) / 1000);
    // Table on disk, so that PGlite's 2 GiB of WASM memory is left to the HNSW build's graph.
    const server = await startPgliteServer({ dataDir: join(dir, 'pglite') });
    try {
      const [result, rss] = await withPeakRss(async () => {
        const store = await PostgresStore.open(server.url, {
          schema: 'bench',
          buildMemory: values['pg-memory'],
        });
        const collection = await store.createCollection('bench', { dimensions: dims, replace: true });
        const rate = await ingest(collection, data, dims, pn, 10_000);
        log(`pgvector: ingested at ${Math.round(rate)} rows/s; building HNSW...`);
        const info = await collection.buildIndex({ minRows: 0 });
        log(`pgvector: ${info.kind} in ${info.seconds.toFixed(1)} s`);
        // One row per ef_search: the same index queried with wider and wider candidate lists.
        const sweep: { ef: number; m: Awaited<ReturnType<typeof measureQueries>> }[] = [];
        for (const ef of values['pg-ef'].split(',').map(Number)) {
          const reader = await PostgresStore.open(server.url, { schema: 'bench', efSearch: ef });
          const opened = await reader.openCollection('bench');
          const m = await measureQueries(queries, pgTruth, async (q) =>
            (await opened.search(q, { k: K })).hits.map((h) => h.clip.id),
          );
          log(`pgvector: ef_search ${ef}: recall ${m.recall.toFixed(3)} at ${m.qps.toFixed(1)} q/s`);
          sweep.push({ ef, m });
          await reader.close();
        }
        const size = await store.query<{ bytes: string }>(
          "SELECT pg_total_relation_size('bench.bench') AS bytes",
        );
        await store.close();
        return { rate, info, sweep, disk: Number(size.rows[0]?.bytes) / 2 ** 20 };
      });
      for (const { ef, m } of result.sweep)
        rows.push({
          store: 'pgvector 0.8 HNSW (PGlite, WASM)',
          n: pn,
          ingestRowsPerS: result.rate,
          indexSeconds: result.info.seconds,
          ...m,
          peakRssMiB: rss,
          diskMiB: result.disk,
          note: `m 16, ef_construction 64, ef_search ${ef}, maintenance_work_mem ${values['pg-memory']}; over the wire with pg`,
          ...(pn !== n ? { exactQps: pgExactQps } : {}),
        });
    } finally {
      await server.stop();
    }
  }

  const fmt = (v: number | undefined, digits = 0) =>
    v === undefined
      ? '-'
      : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    `| store | N | ingest rows/s | index build s | recall@10 | p50 ms | p95 ms | p99 ms | queries/s | peak RSS MiB | disk MiB | settings |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.store} | ${fmt(r.n)} | ${fmt(r.ingestRowsPerS)} | ${fmt(r.indexSeconds, 1)} | ${fmt(r.recall, 3)} | ${fmt(r.p50, 2)} | ${fmt(r.p95, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.qps, 1)} | ${fmt(r.peakRssMiB)} | ${fmt(r.diskMiB)} | ${r.note} |`,
    ),
  ];
  lines.push('', 'queries/s relative to the exact scan over the same N (same queries, same run):');
  for (const r of rows.slice(1)) {
    const exactQps = r.exactQps ?? rows[0]!.qps;
    lines.push(
      `  ${r.store} at N ${fmt(r.n)} (${r.note}): ${(r.qps / exactQps).toFixed(1)}x (exact scan ${exactQps.toFixed(1)} q/s)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
