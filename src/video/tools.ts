import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { OrbisError } from '../core/index.js';

/**
 * The one place Orbis starts ffmpeg and ffprobe. It knows where they are, tracks every child it starts so
 * none outlives the process, and keeps the tail of what each child printed for error messages.
 */

const paths = {
  ffmpeg: process.env.ORBIS_FFMPEG || 'ffmpeg',
  ffprobe: process.env.ORBIS_FFPROBE || 'ffprobe',
};

/** Point Orbis at particular ffmpeg/ffprobe executables (from config). */
export function setFfmpegPaths(next: { ffmpeg?: string; ffprobe?: string }): void {
  if (next.ffmpeg) paths.ffmpeg = next.ffmpeg;
  if (next.ffprobe) paths.ffprobe = next.ffprobe;
}

export function ffmpegPaths(): { ffmpeg: string; ffprobe: string } {
  return { ...paths };
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Number of ffmpeg/ffprobe children of this process that are still running (for tests and diagnostics). */
export function liveChildCount(): number {
  return live.size;
}

export function missingToolError(tool: 'ffmpeg' | 'ffprobe', cause?: unknown): OrbisError {
  const configured = paths[tool];
  return new OrbisError('FFMPEG_MISSING', `${tool} was not found (looked for "${configured}")`, {
    cause,
    hint:
      `install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg), ` +
      `or point ORBIS_${tool.toUpperCase()} at the executable`,
  });
}

export function spawnTool(
  tool: 'ffmpeg' | 'ffprobe',
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(paths[tool], args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.once('close', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Keeps the last lines a child wrote to stderr, bounded in memory however long it runs. */
export class StderrTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly keep = 20) {}

  push(chunk: string, onLine?: (line: string) => boolean): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line, onLine);
  }

  end(onLine?: (line: string) => boolean): void {
    if (this.partial) this.add(this.partial, onLine);
    this.partial = '';
  }

  private add(raw: string, onLine?: (line: string) => boolean): void {
    const line = raw.trimEnd();
    if (!line) return;
    // A consumer may claim a line (e.g. per-frame showinfo records) so it does not crowd out errors.
    if (onLine?.(line)) return;
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }

  text(): string {
    return this.lines.join('\n');
  }

  all(): string[] {
    return [...this.lines];
  }
}

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run ffmpeg or ffprobe to completion and collect its output (for short, bounded runs). */
export function runTool(
  tool: 'ffmpeg' | 'ffprobe',
  args: string[],
  options: { signal?: AbortSignal; maxBuffer?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      paths[tool],
      args,
      { maxBuffer: options.maxBuffer ?? 256 * 2 ** 20, signal: options.signal, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(missingToolError(tool, error));
          return;
        }
        if (error && error.name === 'AbortError') {
          reject(new OrbisError('ABORTED', `${tool} was aborted`, { cause: error }));
          return;
        }
        const exit = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolvePromise({
          code: exit ? (typeof exit.code === 'number' ? exit.code : 1) : 0,
          signal: exit?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
    live.add(child);
    child.once('close', () => live.delete(child));
  });
}

let versionCache: Promise<{ version: string; major: number; minor: number }> | undefined;

/** ffmpeg's version, e.g. "5.1.6-0+deb12u1" with major 5 and minor 1. */
export function ffmpegVersion(): Promise<{ version: string; major: number; minor: number }> {
  versionCache ??= runTool('ffmpeg', ['-hide_banner', '-version']).then((r) => {
    const version = /ffmpeg version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
    const [, major = '0', minor = '0'] = /^n?(\d+)\.(\d+)/.exec(version) ?? [];
    return { version, major: Number(major), minor: Number(minor) };
  });
  versionCache.catch(() => {
    versionCache = undefined;
  });
  return versionCache;
}

/**
 * Orbis relies on ffmpeg 5.1 or newer (-fps_mode, level-tagged logs); older builds fail with an error
 * that says so instead of blaming the input.
 */
export async function requireSupportedFfmpeg(): Promise<void> {
  const version = await ffmpegVersion();
  if (version.major === 0) return; // a git build ("N-12345-g...") is newer than any release we know
  if (version.major < 5 || (version.major === 5 && version.minor < 1)) {
    throw new OrbisError('FFMPEG_TOO_OLD', `ffmpeg ${version.version} is too old: Orbis needs 5.1 or newer`, {
      hint: 'install a newer ffmpeg (Debian 12 and Ubuntu 24.04 ship one) or point ORBIS_FFMPEG at it',
    });
  }
}

let codecCache: Promise<{ decoders: Set<string>; encoders: Set<string> }> | undefined;

/** Names of the decoders and encoders this ffmpeg build has. */
export function ffmpegCodecs(): Promise<{ decoders: Set<string>; encoders: Set<string> }> {
  const list = async (flag: string): Promise<Set<string>> => {
    const r = await runTool('ffmpeg', ['-hide_banner', flag]);
    const names = new Set<string>();
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
      if (!m?.[1] || m[1] === '=') continue;
      names.add(m[1]);
      // Wrapper decoders name the codec they serve: "libdav1d ... (codec av1)".
      const codec = /\(codec (\S+)\)/.exec(line)?.[1];
      if (codec) names.add(codec);
    }
    return names;
  };
  codecCache ??= Promise.all([list('-decoders'), list('-encoders')]).then(([decoders, encoders]) => ({
    decoders,
    encoders,
  }));
  codecCache.catch(() => {
    codecCache = undefined;
  });
  return codecCache;
}

/**
 * A path as ffmpeg should read it: absolute, behind the `file:` protocol, so names that start with "-" or
 * hold ":" are never taken for options or other protocols.
 */
export function inputUrl(path: string): string {
  return `file:${resolve(path)}`;
}
