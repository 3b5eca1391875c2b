import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { runJob } from './run-job.js';

const root = resolve(import.meta.dirname, '../..');

test('src/sim bundles into one file that generates the same arrays on worker threads, with no ffmpeg on PATH', async () => {
  const dir = tempDir('orbis-sim-bundle-');
  const bundle = join(dir, 'orbis-sim.mjs');
  execFileSync(
    join(root, 'node_modules', '.bin', 'esbuild'),
    [
      'src/sim/standalone.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--log-level=warning',
      `--outfile=${bundle}`,
    ],
    { cwd: root },
  );
  const out = join(dir, 'out');
  // Only node's own folder on PATH: nothing else (ffmpeg included) can be started.
  execFileSync(
    process.execPath,
    [
      bundle,
      'generate',
      '--scenario',
      'seesaw,gyroscope',
      '--seeds',
      '0',
      '--size',
      '32',
      '--frames',
      '6',
      '--views',
      '2',
      '--threads',
      '2',
      '--out',
      out,
    ],
    {
      cwd: dir,
      env: { PATH: dirname(process.execPath) },
      stdio: 'pipe',
    },
  );
  const reference = join(dir, 'reference');
  await runJob({
    scenario: 'gyroscope',
    seed: 0,
    frames: 6,
    fps: 24,
    size: 32,
    views: [1],
    looks: 1,
    format: 'npy',
    out: reference,
  });
  for (const name of ['rgb.npy', 'mask.npy', 'depth.npy', 'poses.npy']) {
    const key = join('gyroscope', 'gyroscope-s0000000-v1-l0', name);
    assert.deepEqual(readFileSync(join(out, key)), readFileSync(join(reference, key)), name);
  }
});
