import { OrbisError } from '../core/index.js';
import { VIEWS } from './camera.js';
import { SIM_CHANNELS, type SimChannel, type SimFormat } from './run-job.js';
import { findScenario, type PushPolicy, SCENARIOS } from './scenarios/index.js';

/** Seeds from here up belong to the physics-alignment evaluation split; training data never uses them. */
export const EVAL_SEED_BASE = 1_000_000;

export interface GenerateOptions {
  scenarios: string[];
  seeds: number[];
  /** View indices to render (0..3). */
  views: number[];
  frames: number;
  fps: number;
  size: number;
  looks: number;
  format: SimFormat;
  out: string;
  threads: number;
  policy?: PushPolicy;
  /** The arrays each sample gets (default: all); sample.json and caption.txt are always written. */
  channels?: SimChannel[];
  /** Allow seeds of the evaluation split (only the eval-split command sets this). */
  evalSplit?: boolean;
  signal?: AbortSignal;
}

function invalid(message: string, hint?: string): OrbisError {
  return new OrbisError('SIM_INVALID_OPTION', message, hint ? { hint } : {});
}

/** The names of a comma-separated list, trimmed, empty ones dropped. */
function listed(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "all", or a comma-separated list of scenario names. */
export function parseScenarios(text: string): string[] {
  if (text === 'all') return SCENARIOS.map((s) => s.name);
  const names = listed(text);
  if (names.length === 0) throw invalid('--scenario needs a name', 'see orbis sim list');
  for (const name of names) {
    if (!findScenario(name)) {
      throw new OrbisError('SIM_UNKNOWN_SCENARIO', `unknown scenario "${name}"`, {
        hint: `use one of ${SCENARIOS.map((s) => s.name).join(', ')}, or all`,
      });
    }
  }
  return names;
}

/** "0-99", "3", or "1,5,9-12": whole numbers from 0. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) {
      throw invalid(`seeds "${text}" are not whole numbers from 0`, 'write them like 0-99, 7, or 1,5,9-12');
    }
    const lo = Number(match[1]);
    const hi = match[2] === undefined ? lo : Number(match[2]);
    if (hi < lo) throw invalid(`the seed range ${part} runs backwards`, `write it as ${hi}-${lo}`);
    if (hi - lo > 1_000_000) throw invalid(`the seed range ${part} is too long (at most 1000000 seeds)`);
    for (let s = lo; s <= hi; s++) seeds.push(s);
  }
  return seeds;
}

export function parseWholeNumber(name: string, text: string | number, lo: number, hi: number): number {
  const value = typeof text === 'number' ? text : Number(text);
  if (!(Number.isInteger(value) && value >= lo && value <= hi)) {
    throw invalid(`--${name} must be a whole number from ${lo} to ${hi}, not "${text}"`);
  }
  return value;
}

export function parseViews(text: string | number): number[] {
  const count = parseWholeNumber('views', text, 1, VIEWS);
  return Array.from({ length: count }, (_, i) => i);
}

export function parseFormat(text: string): SimFormat {
  if (text !== 'npy' && text !== 'shards') throw invalid(`--format must be npy or shards, not "${text}"`);
  return text;
}

/** "all", or a comma-separated list of channels: `rgb,mask` writes those two arrays per sample. */
export function parseChannels(text: string): SimChannel[] {
  if (text.trim() === 'all') return [...SIM_CHANNELS];
  const names = listed(text);
  const choices = `choose from ${SIM_CHANNELS.join(', ')}, or all`;
  if (names.length === 0) throw invalid('--channels needs at least one channel', choices);
  for (const name of names)
    if (!(SIM_CHANNELS as readonly string[]).includes(name))
      throw invalid(`--channels: unknown channel "${name}"`, choices);
  return SIM_CHANNELS.filter((c) => names.includes(c));
}

export function parseFps(text: string | number): number {
  const fps = Number(text);
  if (!(fps > 0 && fps <= 240)) throw invalid(`--fps must be above 0 and at most 240, not "${text}"`);
  return fps;
}

export function checkSeeds(seeds: number[], evalSplit: boolean): void {
  const reserved = seeds.find((s) => s >= EVAL_SEED_BASE);
  if (!evalSplit && reserved !== undefined) {
    throw new OrbisError(
      'SIM_RESERVED_SEED',
      `seed ${reserved} belongs to the evaluation split (seeds from ${EVAL_SEED_BASE} up)`,
      {
        hint: 'training data uses seeds below 1000000; write the evaluation suite with orbis sim eval-split',
      },
    );
  }
}

/** Bytes one rendered view holds in memory: rgb 3 + mask 1 + depth 4 + edges 1 + normals 3 per pixel per frame. */
export const BYTES_PER_VIEW_PIXEL = 12;
const VIEW_MEMORY_LIMIT = 2 ** 31;

/** Views are rendered whole in memory (per worker thread): refuse sizes that cannot fit. */
export function checkViewMemory(frames: number, size: number, views = 1): void {
  const bytes = views * frames * size * size * BYTES_PER_VIEW_PIXEL;
  if (bytes > VIEW_MEMORY_LIMIT * views) {
    throw invalid(
      `${frames} frames at ${size}x${size} need ${(bytes / views / 2 ** 30).toFixed(1)} GiB per view in memory (at most 2 GiB)`,
      'use fewer --frames or a smaller --size',
    );
  }
}
