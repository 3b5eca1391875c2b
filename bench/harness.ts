import { spawn } from 'node:child_process';

/**
 * A small benchmark harness: runs our case and a peer in the same run, interleaved (so drift in machine
 * load hits both alike), and reports medians and the ratio. Timings are printed, never asserted.
 */

export interface BenchCase {
  name: string;
  /** Runs once and returns the number of units processed (frames, items). */
  run: () => Promise<number>;
}

export interface Comparison {
  title: string;
  unit: string;
  ours: { name: string; median: number; runs: number[] };
  peer: { name: string; median: number; runs: number[] };
  /** ours / peer, in units per second: above 1 means we are faster. */
  ratio: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function rate(c: BenchCase): Promise<number> {
  const start = performance.now();
  const units = await c.run();
  return units / ((performance.now() - start) / 1000);
}

export async function compare(
  title: string,
  unit: string,
  ours: BenchCase,
  peer: BenchCase,
  options: { runs?: number; warmup?: number; log?: (line: string) => void } = {},
): Promise<Comparison> {
  const runs = options.runs ?? 7;
  for (let i = 0; i < (options.warmup ?? 1); i++) {
    await ours.run();
    await peer.run();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    if (i % 2 === 0) {
      a.push(await rate(ours));
      b.push(await rate(peer));
    } else {
      b.push(await rate(peer));
      a.push(await rate(ours));
    }
    options.log?.(
      `  run ${i + 1}/${runs}: ${ours.name} ${a.at(-1)!.toFixed(1)} ${unit}/s, ${peer.name} ${b.at(-1)!.toFixed(1)} ${unit}/s`,
    );
  }
  const oursMedian = median(a);
  const peerMedian = median(b);
  return {
    title,
    unit,
    ours: { name: ours.name, median: oursMedian, runs: a },
    peer: { name: peer.name, median: peerMedian, runs: b },
    ratio: oursMedian / peerMedian,
  };
}

/** Run a peer command to completion, as a child of this process; rejects on a non-zero exit. */
export function runCommand(command: string, args: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
  });
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}
