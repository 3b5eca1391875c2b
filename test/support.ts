import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** A fresh temp directory for one test file, removed when the file's tests end. */
export function tempDir(prefix = 'orbis-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Child processes of this process that are ffmpeg or ffprobe, read from /proc (not from our own bookkeeping). */
export function ffmpegChildren(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ppid = Number(fields[1]);
      const state = fields[0];
      if (ppid === process.pid && state !== 'Z' && /^ff(mpeg|probe)$/.test(comm)) found.push(`${entry} ${comm}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Wait until no ffmpeg child is left, or give up after `ms` (exit is asynchronous after a kill). */
export async function noFfmpegChildrenWithin(ms = 2000): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = ffmpegChildren();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = ffmpegChildren();
  }
  return left;
}

/** Every frame's presentation time from ffprobe, the reference for decodeFrames. */
export function ffprobeFrameTimes(path: string): number[] {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter(Boolean)
    .map(Number);
}

/** A writable that keeps what was written, for calling CLI commands in-process. */
export function captureStream(): NodeJS.WritableStream & { text(): string } {
  let buffer = '';
  const stream = {
    write(chunk: string | Uint8Array): boolean {
      buffer += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
    text: () => buffer,
  };
  return stream as unknown as NodeJS.WritableStream & { text(): string };
}

/** Run the orbis CLI in this process with captured output, progress off. */
export async function runOrbis(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { runCli } = await import('../src/cli/index.js');
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runCli(args, { stdout, stderr, env: { ...process.env, ORBIS_PROGRESS: 'none' }, cwd });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Run ffmpeg quietly, overwriting outputs, for tests that prepare media by hand. */
export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
}

/** The rows of a JSON-lines file (a curator manifest). */
export function readJsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
