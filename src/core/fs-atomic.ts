import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A temp path beside `target` (same directory, so the final rename is atomic on one filesystem). The
 * extension is kept so tools that pick a format by extension (ffmpeg) still do.
 */
export function tempPathFor(target: string): string {
  const name = basename(target);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  return join(dirname(target), `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp${ext}`);
}

/** Run `write` against a temp path, then rename it onto `target`; the temp file is removed on failure. */
export async function writeAtomic<T>(target: string, write: (tempPath: string) => Promise<T>): Promise<T> {
  const temp = tempPathFor(target);
  try {
    const result = await write(temp);
    await rename(temp, target);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  return writeAtomic(target, (temp) => writeFile(temp, data));
}
