import {
  createLogger,
  createProgress,
  type Logger,
  loadConfig,
  type OrbisConfig,
  type Progress,
  resolveProgressMode,
} from '../core/index.js';
import { setFfmpegPaths } from '../video/index.js';

/** Where a command writes: the real terminal, or buffers in tests. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  config?: string;
  logLevel?: string;
  ffmpeg?: string;
  ffprobe?: string;
  threads?: string;
  progress?: string;
  offline?: boolean;
}

/** What every command gets: validated config, a logger, progress, and one way to print results. */
export interface CliContext {
  config: OrbisConfig;
  log: Logger;
  progress: Progress;
  json: boolean;
  io: CliIO;
  signal: AbortSignal;
  /** Print a result: `human` lines normally, `data` as JSON with --json. */
  result(human: string | string[], data: unknown): void;
}

export function createContext(globals: GlobalOptions, io: CliIO, signal: AbortSignal): CliContext {
  const { config } = loadConfig({
    flags: {
      logLevel: globals.debug ? 'debug' : globals.logLevel,
      ffmpeg: globals.ffmpeg,
      ffprobe: globals.ffprobe,
      threads: globals.threads,
      progress: globals.progress,
      offline: globals.offline,
    },
    env: io.env,
    cwd: io.cwd,
    ...(globals.config ? { configFile: globals.config } : {}),
  });
  setFfmpegPaths(config);
  const json = globals.json ?? false;
  const level = globals.quiet && config.logLevel === 'info' ? 'warn' : config.logLevel;
  const log = createLogger({ level, json, stream: io.stderr });
  const mode = resolveProgressMode(config.progress, {
    quiet: globals.quiet || json,
    isTTY: io.stderr.isTTY === true,
  });
  const progress = createProgress({ mode, stream: io.stderr });
  return {
    config,
    log,
    progress,
    json,
    io,
    signal,
    result(human, data) {
      if (json) io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else io.stdout.write(`${Array.isArray(human) ? human.join('\n') : human}\n`);
    },
  };
}
