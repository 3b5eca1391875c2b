import assert from 'node:assert/strict';
import test from 'node:test';
import { efSearchFor } from './open-store.js';

test("pgvector's search beam grows with the index: 100 to 125,000 rows, 800 at 1M (0.956 recall@10 there), at most 1,000", () => {
  assert.equal(efSearchFor(0), 100);
  assert.equal(efSearchFor(125_000), 100);
  assert.equal(efSearchFor(250_000), 200);
  assert.equal(efSearchFor(1_000_000), 800);
  assert.equal(efSearchFor(50_000_000), 1000);
});
