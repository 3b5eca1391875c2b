import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ModelStore } from '../runtime/index.js';

/**
 * For tests: a tokenizer trained for two steps on CPU with Debian's PyTorch (a few seconds), exported to
 * ONNX with its manifest and parity files, in `<dir>/<name>`; and a store that finds models only in `dir`.
 */
export const RECIPE = resolve(import.meta.dirname, '../../training/tokenizer/train.py');
export const TORCH_PYTHON = '/usr/bin/python3';

export function trainTinyTokenizer(dir: string, name: string, kind: 'continuous' | 'discrete'): string {
  const out = join(dir, name);
  const args = [
    '--kind',
    kind,
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
  ];
  execFileSync(TORCH_PYTHON, [RECIPE, ...args, '--batch', '2', '--eval-clips', '4', '--out', out], {
    stdio: 'pipe',
  });
  return out;
}

export function tinyStore(dir: string): ModelStore {
  return new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache'), shippedDir: join(dir, 'none') });
}
