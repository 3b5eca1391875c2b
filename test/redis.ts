import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './support.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Stop it the polite way (SIGTERM: with appendonly on, everything acknowledged is on disk). */
  stop(): Promise<void>;
  /** Start it again on the same port and data folder. */
  restart(): Promise<void>;
}

/**
 * A real redis-server of our own on loopback, with its data in `dir` (append-only file on, so a restart
 * keeps the queues), optionally with a password.
 */
export async function startRedis(dir: string, options: { password?: string } = {}): Promise<TestRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
    if (options.password) args.push('--requirepass', options.password);
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/Ready to accept connections/.test(out)) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
    });
    proc.stdout!.resume();
  };
  await start();
  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    await new Promise((resolve) => {
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    });
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return { url: `redis://${auth}127.0.0.1:${port}`, port, stop, restart: start };
}

export function redisDir(base: string, name: string): string {
  return join(base, name);
}
