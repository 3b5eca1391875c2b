import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../test/support.js';

const root = resolve(import.meta.dirname, '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = join(root, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Run dependency-cruiser over `dir` (relative to `cwd`) with the project's rules. */
function cruise(cwd: string, dir: string): Promise<Violation[]> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [depcruise, dir, '--config', config, '--output-type', 'json'],
      { cwd, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (!stdout) {
          fail(error ?? new Error(stderr));
          return;
        }
        const result = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        done(result.summary.violations);
      },
    );
  });
}

test('imports point down the layers of ARCHITECTURE.md', async () => {
  const violations = await cruise(root, 'src');
  assert.deepEqual(
    violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
    [],
  );
});

test('the rules catch upward, sideways, internal and forbidden imports', async () => {
  const dir = tempDir('orbis-arch-');
  const files: Record<string, string> = {
    'tsconfig.json':
      '{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "allowImportingTsExtensions": true, "noEmit": true } }',
    'src/core/index.ts': "import '../cli/index.ts';\nexport const a = 1;\n",
    'src/cli/index.ts': 'export const b = 2;\n',
    'src/video/index.ts': "import '../runtime/session.ts';\nexport const c = 3;\n",
    'src/runtime/session.ts': 'export const d = 4;\n',
    'src/curator/index.ts': "import 'node:child_process';\nexport const e = 5;\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const rules = new Set((await cruise(dir, 'src')).map((v) => v.rule.name));
  for (const expected of [
    'layer-0-imports-down',
    'layer-1-no-siblings',
    'through-index-only',
    'only-video-spawns-processes',
  ]) {
    assert.ok(rules.has(expected), `${expected} fired (got ${[...rules].join(', ')})`);
  }
});
