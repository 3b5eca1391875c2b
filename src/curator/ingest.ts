import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { VideoFailure } from './records.js';

export const VIDEO_EXTENSIONS = [
  'mp4',
  'mov',
  'mkv',
  'webm',
  'avi',
  'm4v',
  'mpg',
  'mpeg',
  'ts',
  'mts',
  'm2ts',
  'flv',
  'wmv',
  '3gp',
];

export interface IngestOptions {
  /** Globs a file under a directory must match (default: common video extensions). */
  include?: string[];
  /** Globs that exclude files under a directory. */
  exclude?: string[];
}

export interface IngestResult {
  videos: string[];
  failures: VideoFailure[];
}

/** A glob as a regular expression: `**` crosses folders, `*` and `?` do not; no slash matches the name. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(glob.includes('/') ? `^${out}$` : `(?:^|/)${out}$`, 'i');
}

/**
 * The videos named by `inputs`: files as given, directories searched recursively (following links, once
 * each, so a link loop ends), and `@list.txt` files of paths. What cannot be read is recorded, not thrown.
 */
export async function collectInputs(
  inputs: readonly string[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const include = (options.include ?? VIDEO_EXTENSIONS.map((e) => `*.${e}`)).map(globToRegExp);
  const exclude = (options.exclude ?? []).map(globToRegExp);
  const videos = new Set<string>();
  const failures: VideoFailure[] = [];
  const seenDirs = new Set<string>();
  const fail = (path: string, code: string, message: string): void => {
    failures.push({ kind: 'video-failure', path, stage: 'ingest', code, message });
  };

  const walk = async (dir: string, root: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (error) {
      fail(
        dir,
        (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'INPUT_LINK_LOOP' : 'INPUT_UNREADABLE',
        `cannot resolve ${dir}`,
      );
      return;
    }
    if (seenDirs.has(real)) return; // a link back to a folder already searched
    seenDirs.add(real);
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (error) {
      fail(
        dir,
        'INPUT_UNREADABLE',
        `cannot list ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check its permissions`,
      );
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        fail(
          path,
          code === 'ELOOP' ? 'INPUT_LINK_LOOP' : 'INPUT_UNREADABLE',
          `cannot read ${path} (${code ?? 'error'})`,
        );
        continue;
      }
      if (info.isDirectory()) await walk(path, root);
      else if (info.isFile()) {
        const rel = relative(root, path);
        if (include.some((r) => r.test(rel)) && !exclude.some((r) => r.test(rel))) videos.add(resolve(path));
      }
    }
  };

  for (const input of inputs) {
    if (input.startsWith('@')) {
      const list = input.slice(1);
      let text: string;
      try {
        text = await readFile(list, 'utf8');
      } catch {
        fail(list, 'VIDEO_NOT_FOUND', `cannot read the list file ${list}`);
        continue;
      }
      const base = dirname(resolve(list));
      const named = text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      const nested = await collectInputs(
        named.map((l) => resolve(base, l)),
        options,
      );
      for (const v of nested.videos) videos.add(v);
      failures.push(...nested.failures);
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      fail(
        input,
        code === 'ENOENT' ? 'VIDEO_NOT_FOUND' : code === 'ELOOP' ? 'INPUT_LINK_LOOP' : 'INPUT_UNREADABLE',
        `cannot read ${input} (${code ?? 'error'})`,
      );
      continue;
    }
    if (info.isDirectory()) await walk(input, input);
    else videos.add(resolve(input)); // named explicitly: taken whatever its extension
  }
  return { videos: [...videos].sort(), failures };
}
