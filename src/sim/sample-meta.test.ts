import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { sampleJsonSchema } from './sample-meta.js';

test('docs/sim-sample.schema.json is the schema the code generates (orbis sim schema > docs/sim-sample.schema.json)', () => {
  const file = resolve(import.meta.dirname, '../../docs/sim-sample.schema.json');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), sampleJsonSchema());
});
