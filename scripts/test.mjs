#!/usr/bin/env node
// The whole check, as CI runs it: format and lint (Biome), types (tsc), then every *.test.ts under src/
// and test/ with Node's test runner through tsx. Exits non-zero when any part fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function step(name, command, args) {
  process.stderr.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

function testFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found.sort();
}

const only = process.argv.slice(2);
let ok = true;
if (only.length === 0) {
  ok = step('lint and format (biome)', bin('biome'), ['check', '.']) && ok;
  ok = step('types (tsc)', bin('tsc'), ['-p', '.']) && ok;
}
const files = only.length > 0 ? only : [...testFiles(join(root, 'src')), ...testFiles(join(root, 'test'))];
const tests = step(`tests (${files.length} files)`, process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=2',
  ...files,
]);
if (!ok) process.stderr.write('\nlint or type check failed (see above)\n');
process.exit(ok && tests ? 0 : 1);
