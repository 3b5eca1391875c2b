import { isAbsolute, relative, resolve } from 'node:path';
import { OrbisError } from '../../core/index.js';
import {
  type DatasetSearchResult,
  type IndexManifest,
  indexDataset,
  parseFilter,
  type SearchQuery,
  searchDataset,
} from '../../search/index.js';
import type { CliContext } from '../context.js';

interface IndexCliOptions {
  store: string;
  shards: string;
}

export async function searchIndexCommand(
  ctx: CliContext,
  dataset: string,
  options: IndexCliOptions,
): Promise<number> {
  const manifest = await indexDataset(resolve(ctx.io.cwd, dataset), {
    store: { store: options.store, shards: wholeNumber('--shards', options.shards) },
    progress: ctx.progress,
    signal: ctx.signal,
  });
  ctx.result(describeIndex(manifest), manifest);
  return 0;
}

interface QueryCliOptions {
  clip?: string;
  image?: string;
  video?: string;
  text?: string;
  where?: string;
  topK: string;
  store?: string;
  partial?: boolean;
}

export async function searchQueryCommand(
  ctx: CliContext,
  dataset: string,
  options: QueryCliOptions,
): Promise<number> {
  const given = (['clip', 'image', 'video', 'text'] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1)
    throw new OrbisError(
      'INVALID_ARGUMENT',
      given.length === 0
        ? 'say what to search with'
        : `search with one of ${given.map((g) => `--${g}`).join(', ')}, not all`,
      { hint: 'pass exactly one of --clip <id>, --image <file>, --video <file>, --text "words"' },
    );
  const key = given[0]!;
  const value = options[key]!;
  const query = {
    [key]: key === 'image' || key === 'video' ? resolve(ctx.io.cwd, value) : value,
  } as SearchQuery;
  const result = await searchDataset(resolve(ctx.io.cwd, dataset), query, {
    k: wholeNumber('-k', options.topK),
    ...(options.where ? { filter: parseFilter(options.where) } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.partial ? { partial: true } : {}),
    signal: ctx.signal,
  });
  for (const w of result.warnings) ctx.log.warn(w);
  ctx.result(describeHits(result, ctx.io.cwd), result);
  return 0;
}

export function describeIndex(m: IndexManifest): string[] {
  const shards = m.store.shards > 1 ? `, ${m.store.shards} shards` : '';
  return [
    `indexed ${m.rows} clips of ${m.dataset} into ${m.store.store}${shards} (collection ${m.collection})`,
    `  embedder   ${m.embedder}, ${m.dimensions} dimensions`,
    `  ingest     ${m.seconds.ingest.toFixed(2)} s, ${Math.round(m.rowsPerSecond)} rows/s`,
    `  index      ${m.index}, built in ${m.seconds.index.toFixed(2)} s`,
  ];
}

export function describeHits(r: DatasetSearchResult, cwd: string): string[] {
  const [[kind, value] = ['', '']] = Object.entries(r.query);
  const shown = kind === 'image' || kind === 'video' ? shortPath(value, cwd) : value;
  const heading = `${r.hits.length} clips for ${kind} ${JSON.stringify(shown)} (${r.mode === 'text' ? 'full-text relevance' : 'cosine similarity'})`;
  if (r.hits.length === 0 && r.mode === 'text')
    return [
      heading,
      'text matches captions: curate with a captioner (curator.caption.endpoint) to have them',
    ];
  if (r.hits.length === 0) return [heading];
  const rows = r.hits.map((h, i) => [
    String(i + 1),
    h.score.toFixed(3),
    h.clip.id,
    `${h.clip.spanStart.toFixed(2)}-${h.clip.spanEnd.toFixed(2)} s`,
    shortPath(h.clip.source, cwd),
    h.thumbnailPath ? shortPath(h.thumbnailPath, cwd) : '-',
  ]);
  const header = ['#', 'score', 'clip', 'span', 'source', 'thumbnail'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [heading, '', line(header), ...rows.map(line)];
}

function shortPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function wholeNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new OrbisError('INVALID_ARGUMENT', `${flag} must be a whole number of at least 1, not "${text}"`);
  return n;
}
