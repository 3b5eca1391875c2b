import { open, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { OrbisError } from '../core/index.js';
import type { IndexedClip } from './indexed-clip.js';

/** What the curator wrote beside the embeddings: embeddings.json. */
export interface EmbeddingsMeta {
  model: string;
  dimensions: number;
  ids: string[];
}

interface ManifestRow {
  id: string;
  source: string;
  span: { start: number; end: number };
  width: number;
  height: number;
  fps: number;
  scores?: Record<string, number>;
  caption?: string;
  thumbnail?: string;
  kept?: boolean;
}

/**
 * A curated dataset folder as the curator leaves it: manifest.jsonl (a row per clip), embeddings.f32
 * (float32 rows of the kept clips) and embeddings.json (their ids, model and dimensions).
 */
export class CuratedDataset {
  private constructor(
    readonly dir: string,
    readonly meta: EmbeddingsMeta,
    private readonly rows: Map<string, ManifestRow>,
  ) {}

  static async open(dir: string): Promise<CuratedDataset> {
    const root = resolve(dir);
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory())
      throw invalid(`no dataset folder at ${root}`, 'pass the folder `orbis curate --out` wrote');
    const meta = await readJson<EmbeddingsMeta>(join(root, 'embeddings.json'), root);
    if (!Array.isArray(meta.ids) || !Number.isInteger(meta.dimensions) || typeof meta.model !== 'string')
      throw invalid(
        `${join(root, 'embeddings.json')} is not what the curator writes`,
        'rerun `orbis curate`',
      );
    const vectorsBytes = (await stat(join(root, 'embeddings.f32')).catch(() => undefined))?.size;
    if (vectorsBytes === undefined)
      throw invalid(`${root} has no embeddings.f32`, 'rerun `orbis curate` to finish the dataset');
    if (vectorsBytes !== meta.ids.length * meta.dimensions * 4)
      throw invalid(
        `embeddings.f32 in ${root} holds ${vectorsBytes} bytes, not ${meta.ids.length} x ${meta.dimensions} float32`,
        'the dataset is incomplete or damaged; rerun `orbis curate` with the same --out',
      );
    const manifest = await readFile(join(root, 'manifest.jsonl'), 'utf8').catch(() => {
      throw invalid(`${root} has no manifest.jsonl`, 'rerun `orbis curate` to finish the dataset');
    });
    const rows = new Map<string, ManifestRow>();
    for (const [n, line] of manifest.split('\n').entries()) {
      if (!line.trim()) continue;
      try {
        const row = JSON.parse(line) as ManifestRow;
        rows.set(row.id, row);
      } catch {
        throw invalid(`manifest.jsonl line ${n + 1} in ${root} is not JSON`, 'rerun `orbis curate`');
      }
    }
    return new CuratedDataset(root, meta, rows);
  }

  /** The dataset's name in the index: its folder name. */
  get name(): string {
    return basename(this.dir);
  }

  get size(): number {
    return this.meta.ids.length;
  }

  /** The kept clips with their embeddings, `batchRows` at a time, reading the vectors file in order. */
  async *clips(batchRows = 10_000): AsyncGenerator<IndexedClip[]> {
    const { ids, dimensions } = this.meta;
    const handle = await open(join(this.dir, 'embeddings.f32'), 'r');
    try {
      for (let first = 0; first < ids.length; first += batchRows) {
        const count = Math.min(batchRows, ids.length - first);
        const bytes = Buffer.alloc(count * dimensions * 4);
        await handle.read(bytes, 0, bytes.length, first * dimensions * 4);
        const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, count * dimensions);
        yield Array.from({ length: count }, (_, i) =>
          this.clip(ids[first + i]!, vectors.slice(i * dimensions, (i + 1) * dimensions)),
        );
      }
    } finally {
      await handle.close();
    }
  }

  private clip(id: string, vector: Float32Array): IndexedClip {
    const row = this.rows.get(id);
    if (!row) throw invalid(`clip ${id} has an embedding but no manifest row`, 'rerun `orbis curate`');
    const score = (name: string) => (typeof row.scores?.[name] === 'number' ? row.scores[name] : null);
    return {
      id,
      vector,
      dataset: this.name,
      source: row.source,
      spanStart: row.span.start,
      spanEnd: row.span.end,
      duration: row.span.end - row.span.start,
      width: row.width,
      height: row.height,
      fps: row.fps,
      caption: row.caption ?? null,
      thumbnail: row.thumbnail ?? null,
      motion: score('motion'),
      sharpness: score('sharpness'),
      brightness: score('brightness'),
      aesthetic: score('aesthetic'),
    };
  }
}

async function readJson<T>(path: string, root: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw invalid(
      `${root} is not a curated dataset (no embeddings.json)`,
      'run `orbis curate <videos> --out <dir>` first',
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw invalid(`${path} is not JSON`, 'rerun `orbis curate`');
  }
}

function invalid(message: string, hint: string): OrbisError {
  return new OrbisError('SEARCH_DATASET_INVALID', message, { hint });
}
