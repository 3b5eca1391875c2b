import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, OrbisError } from './errors.js';

/**
 * Orbis settings. Precedence, highest first: command-line flags, environment (ORBIS_<KEY>), a JSON config
 * file (--config, ORBIS_CONFIG, or ./orbis.config.json when present), defaults. Every value is validated;
 * an error names the key and where the bad value came from.
 */
export const configSchema = z.strictObject({
  /** ffmpeg executable: a name on PATH or a path. */
  ffmpeg: z.string().min(1).default('ffmpeg'),
  ffprobe: z.string().min(1).default('ffprobe'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** How long jobs show progress: bars on a terminal, plain lines in logs, or nothing. */
  progress: z.enum(['auto', 'bars', 'lines', 'none']).default('auto'),
  /** Worker threads and ffmpeg threads; 0 means as many as the machine has. */
  threads: z.number().int().min(0).max(1024).default(0),
  cacheDir: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'orbis')),
  /** A folder of your own models (each a folder with manifest.json), searched after the shipped models/. */
  modelDir: z.string().min(1).optional(),
  /** Base URL of a model hub to fetch models missing here from (only when not offline). */
  modelHub: z.url().optional(),
  /** Never fetch models from a hub, whatever modelHub says. */
  offline: z.boolean().default(false),
  /** Settings of `orbis curate`, validated by the curator (src/curator/config.ts); config file only. */
  curator: z.record(z.string(), z.unknown()).optional(),
});

export type OrbisConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof OrbisConfig;

const numericKeys: ReadonlySet<string> = new Set(['threads']);
const booleanKeys: ReadonlySet<string> = new Set(['offline']);

/** "1", "true", "yes" and "on" are true; "0", "false", "no" and "off" false; anything else stays text (and fails). */
function envBoolean(raw: string): unknown {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  return raw;
}
export const CONFIG_FILE_NAME = 'orbis.config.json';

export interface ConfigSources {
  /** Values from command-line flags; undefined entries are ignored. */
  flags?: Partial<Record<string, unknown>>;
  env?: NodeJS.ProcessEnv;
  /** Explicit config file; otherwise ORBIS_CONFIG, then ./orbis.config.json if it exists. */
  configFile?: string;
  cwd?: string;
}

export interface LoadedConfig {
  config: OrbisConfig;
  /** Where each key's value came from: "default", "file <path>", "env ORBIS_X", "flag --x". */
  sourceOf: Record<ConfigKey, string>;
}

export function envName(key: string): string {
  return `ORBIS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const keys = Object.keys(configSchema.shape) as ConfigKey[];
  const merged: Record<string, unknown> = {};
  const sourceOf = Object.fromEntries(keys.map((k) => [k, 'default'])) as Record<ConfigKey, string>;

  const file = readConfigFile(sources.configFile ?? env.ORBIS_CONFIG, cwd);
  if (file) {
    for (const [key, value] of Object.entries(file.values)) {
      merged[key] = value;
      sourceOf[key as ConfigKey] = `file ${file.path}`;
    }
  }
  for (const key of keys) {
    const raw = env[envName(key)];
    if (raw === undefined || raw === '') continue;
    merged[key] = numericKeys.has(key) ? Number(raw) : booleanKeys.has(key) ? envBoolean(raw) : raw;
    sourceOf[key] = `env ${envName(key)}`;
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    merged[key] = numericKeys.has(key) && typeof value === 'string' ? Number(value) : value;
    sourceOf[key as ConfigKey] = `flag ${flagName(key)}`;
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '?';
      const where = file ? `file ${file.path}` : 'config';
      throw new ConfigError(key, where, `unknown config key "${key}" in ${where}`, {
        hint: `known keys: ${keys.join(', ')}`,
      });
    }
    const key = String(issue.path[0] ?? '?');
    const source = sourceOf[key as ConfigKey] ?? 'config';
    throw new ConfigError(key, source, `config key "${key}" (from ${source}) is invalid: ${issue.message}`, {
      hint: `fix or remove it (${describeKey(key)})`,
    });
  }
  return { config: parsed.data, sourceOf };
}

function describeKey(key: string): string {
  return `env ${envName(key)}, flag ${flagName(key)}, or "${key}" in ${CONFIG_FILE_NAME}`;
}

function readConfigFile(
  explicit: string | undefined,
  cwd: string,
): { path: string; values: object } | undefined {
  const path = explicit ? resolve(cwd, explicit) : join(cwd, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OrbisError('CONFIG_FILE_UNREADABLE', `cannot read the config file ${path}`, {
      cause: error,
      hint: 'check the path given by --config or ORBIS_CONFIG',
      details: { path },
    });
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new OrbisError('CONFIG_FILE_UNREADABLE', `the config file ${path} is not valid JSON`, {
      cause: error,
      hint: (error as Error).message,
      details: { path },
    });
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new OrbisError('CONFIG_FILE_UNREADABLE', `the config file ${path} must hold a JSON object`, {
      details: { path },
    });
  }
  return { path, values };
}
