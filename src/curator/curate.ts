import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  ConfigError,
  type Logger,
  type Progress,
  type ProgressTask,
  silentLogger,
  writeFileAtomic,
} from '../core/index.js';
import {
  type Capacity,
  LocalRunner,
  type Pipeline,
  parseEngine,
  RedisRunner,
  type Runner,
  type StageStats,
  serveMetrics,
} from '../pipeline/index.js';
import { type CuratorConfig, parseCuratorConfig } from './config.js';
import { dedupClips } from './dedup.js';
import { collectInputs, type IngestOptions } from './ingest.js';
import type { ClipRecord, CuratorItem, VideoFailure } from './records.js';
import { removePartialShards, ShardWriter, shardGroup } from './webdataset.js';

export interface CurateOptions extends IngestOptions {
  out: string;
  config?: CuratorConfig;
  signal?: AbortSignal;
  progress?: Progress;
  log?: Logger;
  capacity?: Capacity;
  /** Which stages run (default all; `split` always runs, it makes the clips). */
  stages?: readonly CuratorStageName[];
  /** Serve Prometheus metrics of the run on this port (0: any free port) while it runs. */
  metricsPort?: number;
  /**
   * Run the pipeline on workers through this Redis (`redis://host:port`) instead of in this process. Inputs
   * and `out` must be on storage every worker reaches at the same paths.
   */
  engine?: string;
}

export const CURATOR_STAGES = ['split', 'filter', 'transcode', 'caption', 'dedup', 'write'] as const;
export type CuratorStageName = (typeof CURATOR_STAGES)[number];

/** Check a `--stages` list: known names, split included, caption only with an endpoint. */
export function parseStages(list: readonly string[], config: CuratorConfig): CuratorStageName[] {
  const names = list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(CURATOR_STAGES as readonly string[]).includes(name))
      throw new ConfigError('stages', '--stages', `unknown curator stage "${name}"`, {
        hint: `choose from ${CURATOR_STAGES.join(', ')}`,
      });
  }
  if (!names.includes('split'))
    throw new ConfigError('stages', '--stages', 'the stages must include split: it makes the clips', {
      hint: `for example --stages split,filter,dedup`,
    });
  if (names.includes('caption') && !config.caption.endpoint)
    throw new ConfigError(
      'caption.endpoint',
      '--stages',
      'the caption stage needs curator setting "caption.endpoint"',
      {
        hint: 'set caption.endpoint in orbis.config.json to an OpenAI-compatible server, or leave caption out',
      },
    );
  return CURATOR_STAGES.filter((s) => names.includes(s));
}

export interface CurateReport {
  version: 1;
  out: string;
  startedAt: string;
  seconds: number;
  inputs: {
    path: string;
    outcome: 'ok' | 'failed';
    code?: string;
    message?: string;
    clips?: number;
    kept?: number;
  }[];
  counts: {
    videos: number;
    videosFailed: number;
    clips: number;
    kept: number;
    dropped: Record<string, number>;
  };
  throughput: { videosPerSecond: number; clipsPerSecond: number };
  stages: StageStats[];
  failedBatches: { stage: string; items: number; error: string }[];
  shards: string[];
  manifest: string;
  /** The distributed run's id (`orbis runs status <id>`), when it ran on workers. */
  runId?: string;
}

/** The curator pipeline, assembled from its config: each stage is data a runner can build anywhere. */
export function buildCuratorPipeline(
  config: CuratorConfig,
  workDir: string,
  stages: readonly CuratorStageName[] = CURATOR_STAGES,
): Pipeline {
  const stage = (name: string, file: string, factory: string, batchSize: number, cpus: number) => ({
    name,
    module: new URL(`./stages/${file}`, import.meta.url).href,
    factory,
    options: { config, workDir },
    batchSize,
    resources: { cpus },
  });
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return {
    name: 'curate',
    version: '1',
    stages: [
      stage('split', `split.${ext}`, 'splitStage', 1, 1),
      // The rule filters only read scores; learned models make the stage a CPU (or GPU) worker.
      ...(stages.includes('filter')
        ? [
            stage(
              'filter',
              `filter.${ext}`,
              'filterStage',
              16,
              config.filter.aesthetic || config.embed ? 1 : 0,
            ),
          ]
        : []),
      ...(stages.includes('transcode')
        ? [stage('transcode', `transcode.${ext}`, 'transcodeStage', 1, 1)]
        : []),
      ...(config.caption.endpoint && stages.includes('caption')
        ? [stage('caption', `caption.${ext}`, 'captionStage', config.caption.concurrency, 0)]
        : []),
    ],
  };
}

/**
 * Curate videos into a dataset under `out`: clips in WebDataset shards (shards/), a manifest with a row
 * for every clip (manifest.jsonl), and a run report (report.json). Work is kept per video and per clip in
 * out/work, so an interrupted run, rerun with the same command, finishes the rest and writes the same
 * dataset. One bad video never spoils the run: it is recorded in the report with its error code.
 */
export async function curate(inputs: readonly string[], options: CurateOptions): Promise<CurateReport> {
  const config = options.config ?? parseCuratorConfig({});
  const log = options.log ?? silentLogger;
  const out = resolve(options.out);
  const workDir = join(out, 'work');
  const shardDir = join(out, 'shards');
  await mkdir(workDir, { recursive: true });
  await removePartialShards(shardDir);
  const startedAt = new Date();
  const started = performance.now();

  const ingest = await collectInputs(inputs, options);
  log.debug(`found ${ingest.videos.length} videos`, { failures: ingest.failures.length });
  const clips: ClipRecord[] = [];
  const failures: VideoFailure[] = [...ingest.failures];
  const runner: Runner = options.engine
    ? new RedisRunner(parseEngine(options.engine), { log })
    : new LocalRunner();
  const tasks = new Map<string, ProgressTask>();
  const task = (name: string): ProgressTask | undefined => {
    if (!options.progress) return undefined;
    if (!tasks.has(name))
      tasks.set(name, options.progress.task(name, name === 'split' ? ingest.videos.length : undefined));
    return tasks.get(name);
  };
  const stages = options.stages ?? CURATOR_STAGES;
  const pipeline = buildCuratorPipeline(config, workDir, stages);
  const metrics =
    options.metricsPort !== undefined
      ? await serveMetrics(() => runner.stats(), { pipeline: 'curate', port: options.metricsPort })
      : undefined;
  if (metrics) log.info(`metrics at ${metrics.url}`);
  // Open until the report is written, so the final figures can be scraped too.
  try {
    for await (const item of runner.run(
      pipeline,
      ingest.videos.map((path) => ({ path })),
      {
        ...(options.signal ? { signal: options.signal } : {}),
        capacity: options.capacity ?? { cpus: availableParallelism(), gpus: 0 },
        onStats: (stats) => {
          for (const s of stats) task(s.name)?.update(s.itemsIn);
        },
      },
    )) {
      const record = item as CuratorItem;
      if (record.kind === 'clip') clips.push(record);
      else failures.push(record);
    }
    for (const t of tasks.values()) t.done();

    // Deterministic order, whatever order the workers finished in.
    clips.sort((a, b) =>
      a.source < b.source ? -1 : a.source > b.source ? 1 : a.span.startFrame - b.span.startFrame,
    );
    // Exact and near duplicates, over the whole run; the first in order is kept. (Clips are transcoded
    // before this decision; a duplicate's files stay in work/ and are not written to shards.)
    if (stages.includes('dedup')) dedupClips(clips, { threshold: config.dedup.threshold });
    const kept = clips.filter((c) => !c.dropped);
    await writeEmbeddings(kept, out);
    // Shards hold the clips' MP4s: without transcode (or write) there are none to hold.
    const shards =
      stages.includes('write') && stages.includes('transcode')
        ? await writeShards(kept, shardDir, config)
        : { paths: [], placement: [] };
    const manifest = join(out, 'manifest.jsonl');
    const placeOf = new Map(shards.placement);
    await writeFileAtomic(
      manifest,
      clips.map((c) => JSON.stringify(manifestRow(c, out, placeOf.get(c.id)))).join('\n') +
        (clips.length ? '\n' : ''),
    );

    const seconds = (performance.now() - started) / 1000;
    const dropped: Record<string, number> = {};
    for (const c of clips) {
      if (!c.dropped) continue;
      const key = `${c.dropped.stage}: ${c.dropped.reason.split(':')[0]!.replace(/ \d.*$/, '')}`;
      dropped[key] = (dropped[key] ?? 0) + 1;
    }
    const failedPaths = new Map(failures.map((f) => [f.path, f]));
    const report: CurateReport = {
      version: 1,
      out,
      startedAt: startedAt.toISOString(),
      seconds,
      inputs: [
        ...ingest.videos.map((path) => {
          const f = failedPaths.get(path);
          if (f) return { path, outcome: 'failed' as const, code: f.code, message: f.message };
          const own = clips.filter((c) => c.source === path);
          return {
            path,
            outcome: 'ok' as const,
            clips: own.length,
            kept: own.filter((c) => !c.dropped).length,
          };
        }),
        ...ingest.failures.map((f) => ({
          path: f.path,
          outcome: 'failed' as const,
          code: f.code,
          message: f.message,
        })),
      ],
      counts: {
        videos: ingest.videos.length,
        videosFailed: failures.length,
        clips: clips.length,
        kept: kept.length,
        dropped,
      },
      throughput: { videosPerSecond: ingest.videos.length / seconds, clipsPerSecond: clips.length / seconds },
      stages: runner.stats(),
      failedBatches: runner.failures(),
      shards: shards.paths.map((p) => relative(out, p)),
      manifest: relative(out, manifest),
      ...(runner instanceof RedisRunner && runner.runId ? { runId: runner.runId } : {}),
    };
    await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await metrics?.close();
  }
}

async function writeShards(
  kept: ClipRecord[],
  dir: string,
  config: CuratorConfig,
): Promise<{ paths: string[]; placement: [string, string][] }> {
  const groups = new Map<string, ClipRecord[]>();
  for (const c of kept) {
    const height = config.transcode.height ?? c.height;
    const width = Math.round((c.width * height) / c.height);
    const group = shardGroup(width, height, c.span.end - c.span.start);
    groups.set(group, [...(groups.get(group) ?? []), c]);
  }
  const paths: string[] = [];
  const placement: [string, string][] = [];
  for (const [group, members] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const writer = new ShardWriter(dir, { prefix: group, maxSamples: config.shards.maxSamples });
    for (const c of members) {
      const mp4 = await readFile(c.files.mp4!);
      await writer.add({
        key: c.id,
        members: { mp4, json: JSON.stringify(sampleJson(c)), txt: c.caption ?? '' },
      });
    }
    const written = await writer.close();
    paths.push(...written);
    // Shards of a group fill in order, maxSamples each.
    members.forEach((c, i) => {
      placement.push([c.id, relative(join(dir, '..'), written[Math.floor(i / config.shards.maxSamples)]!)]);
    });
  }
  return { paths, placement };
}

/** Kept clips' embeddings for search: embeddings.f32 (float32, one row per clip) and embeddings.json. */
async function writeEmbeddings(kept: ClipRecord[], out: string): Promise<void> {
  const rows = kept.filter((c) => c.embedding);
  const dims = rows[0]?.embedding?.length ?? 0;
  const data = new Float32Array(rows.length * dims);
  for (const [i, c] of rows.entries()) data.set(c.embedding!, i * dims);
  await writeFileAtomic(join(out, 'embeddings.f32'), new Uint8Array(data.buffer));
  const meta = {
    model: rows[0]?.embeddingModel ?? 'thumbprint-v1',
    dimensions: dims,
    ids: rows.map((c) => c.id),
  };
  await writeFileAtomic(join(out, 'embeddings.json'), `${JSON.stringify(meta)}\n`);
}

function sampleJson(c: ClipRecord): Record<string, unknown> {
  return {
    id: c.id,
    videoId: c.videoId,
    source: c.source,
    span: c.span,
    width: c.width,
    height: c.height,
    fps: c.fps,
    scores: c.scores,
    ...(c.caption !== undefined ? { caption: c.caption } : {}),
  };
}

function manifestRow(c: ClipRecord, out: string, shard: string | undefined): Record<string, unknown> {
  return {
    ...sampleJson(c),
    kept: !c.dropped,
    ...(c.dropped ? { dropped: c.dropped } : {}),
    ...(Object.keys(c.errors).length ? { errors: c.errors } : {}),
    ...(shard ? { shard } : {}),
    ...(c.duplicateOf ? { duplicateOf: c.duplicateOf } : {}),
    ...(c.files.thumb ? { thumbnail: relative(out, c.files.thumb) } : {}),
  };
}
