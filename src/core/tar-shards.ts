import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OrbisError } from './errors.js';

/**
 * WebDataset shards: POSIX (ustar) tar files whose members are grouped by key, `<key>.mp4`, `<key>.json`,
 * `<key>.txt`, the layout WebDataset, PyTorch loaders and Python's tarfile read. Headers carry no times or
 * owners, so the same samples always give byte-identical shards. A shard is written under a temporary name
 * and renamed when complete: readers never see half a shard.
 */

export interface ShardSample {
  /** The sample key (a clip id): ASCII letters, digits, '-', '_' and '/' only. */
  key: string;
  /** Member contents by extension, e.g. { mp4: bytes, json: {...} as text, txt: caption }. */
  members: Record<string, Uint8Array | string>;
}

export interface ShardOptions {
  /** File name prefix (default "shard"): shard-000000.tar, shard-000001.tar... */
  prefix?: string;
  /** Samples per shard (default 1000). */
  maxSamples?: number;
  /** Bytes per shard before a new one starts (default 1 GiB); a single larger sample still fits alone. */
  maxBytes?: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar header for a regular file. */
export function tarHeader(name: string, size: number): Uint8Array {
  if (!/^[A-Za-z0-9._\-/]+$/.test(name) || name.length > 100) {
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `the shard member name "${name}" is not a short ASCII name (at most 100 of A-Z a-z 0-9 . _ - /)`,
    );
  }
  const header = new Uint8Array(BLOCK);
  const put = (text: string, offset: number): void => {
    header.set(encoder.encode(text), offset);
  };
  put(name, 0);
  put('0000644\0', 100); // mode
  put('0000000\0', 108); // uid
  put('0000000\0', 116); // gid
  put(octal(size, 12), 124);
  put(octal(0, 12), 136); // mtime: fixed, for reproducible shards
  put('        ', 148); // checksum placeholder: eight spaces
  put('0', 156); // regular file
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

export class ShardWriter {
  private handle: FileHandle | undefined;
  private tempPath = '';
  private index = 0;
  private samples = 0;
  private bytes = 0;
  private readonly written: string[] = [];
  private readonly prefix: string;
  private readonly maxSamples: number;
  private readonly maxBytes: number;

  constructor(
    readonly dir: string,
    options: ShardOptions = {},
  ) {
    this.prefix = options.prefix ?? 'shard';
    this.maxSamples = options.maxSamples ?? 1000;
    this.maxBytes = options.maxBytes ?? 2 ** 30;
  }

  private shardName(index: number): string {
    return `${this.prefix}-${String(index).padStart(6, '0')}.tar`;
  }

  async add(sample: ShardSample): Promise<void> {
    const members = Object.entries(sample.members).map(([ext, content]) => {
      const data = typeof content === 'string' ? encoder.encode(content) : content;
      return { name: `${sample.key}.${ext}`, data };
    });
    const size = members.reduce((n, m) => n + BLOCK + Math.ceil(m.data.length / BLOCK) * BLOCK, 0);
    if (
      this.handle &&
      (this.samples >= this.maxSamples || (this.bytes + size > this.maxBytes && this.samples > 0))
    )
      await this.finishShard();
    if (!this.handle) {
      await mkdir(this.dir, { recursive: true });
      this.tempPath = join(this.dir, `.${this.shardName(this.index)}.${process.pid}.tmp`);
      this.handle = await open(this.tempPath, 'w');
    }
    for (const m of members) {
      await this.handle.write(tarHeader(m.name, m.data.length));
      await this.handle.write(m.data);
      const pad = (BLOCK - (m.data.length % BLOCK)) % BLOCK;
      if (pad) await this.handle.write(new Uint8Array(pad));
    }
    this.samples++;
    this.bytes += size;
  }

  private async finishShard(): Promise<void> {
    const handle = this.handle!;
    await handle.write(new Uint8Array(2 * BLOCK)); // end of archive
    await handle.sync();
    await handle.close();
    const final = join(this.dir, this.shardName(this.index));
    await rename(this.tempPath, final);
    this.written.push(final);
    this.handle = undefined;
    this.index++;
    this.samples = 0;
    this.bytes = 0;
  }

  /** Complete the open shard; returns every shard written, in order. */
  async close(): Promise<string[]> {
    if (this.handle) await this.finishShard();
    return [...this.written];
  }

  /** Drop the open shard without publishing it (an interrupted run). */
  async abort(): Promise<void> {
    if (!this.handle) return;
    await this.handle.close();
    await rm(this.tempPath, { force: true });
    this.handle = undefined;
  }
}

/** Remove shards a killed run left half-written (temporary names) in `dir`. */
export async function removePartialShards(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const partial = names.filter((n) => n.startsWith('.') && n.endsWith('.tmp') && n.includes('.tar.'));
  await Promise.all(partial.map((n) => rm(join(dir, n), { force: true })));
  return partial;
}
