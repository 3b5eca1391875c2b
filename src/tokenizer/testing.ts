import { join, resolve } from 'node:path';
import { ModelStore } from '../runtime/index.js';

/**
 * For tests: the command that trains a tokenizer for two steps on CPU with Debian's PyTorch (a few seconds)
 * and exports it with its manifest and parity files to `<dir>/<name>` (tests run it; only src/video may spawn
 * processes outside tests), and a store that finds models only in `dir`.
 */
export const TORCH_PYTHON = '/usr/bin/python3';
const RECIPE = resolve(import.meta.dirname, '../../training/tokenizer/train.py');

export function tinyTokenizerArgs(dir: string, name: string, kind: 'continuous' | 'discrete'): string[] {
  const size = [
    '--steps',
    '2',
    '--width',
    '8',
    '--blocks',
    '1',
    '--size',
    '32',
    '--frames',
    '5',
    '--batch',
    '2',
  ];
  return [RECIPE, '--kind', kind, ...size, '--eval-clips', '4', '--out', join(dir, name)];
}

export function tinyStore(dir: string): ModelStore {
  return new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache'), shippedDir: join(dir, 'none') });
}
