import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrbisError } from './errors.js';
import { formatTimecode, parseTimecode } from './timecode.js';

test('parses seconds, clock times and frame numbers', () => {
  assert.equal(parseTimecode('12.5'), 12.5);
  assert.equal(parseTimecode('1:02.5'), 62.5);
  assert.equal(parseTimecode('01:02:03.250'), 3723.25);
  assert.equal(parseTimecode('150f', 30), 5);
});

test('rejects what it cannot read, saying what it accepts', () => {
  for (const bad of ['', 'abc', '1:75', '-3', '150f']) {
    assert.throws(
      () => parseTimecode(bad),
      (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
      bad,
    );
  }
});

test('formats as HH:MM:SS.mmm', () => {
  assert.equal(formatTimecode(3723.25), '01:02:03.250');
  assert.equal(formatTimecode(0), '00:00:00.000');
  assert.equal(parseTimecode(formatTimecode(59.999)), 59.999);
});
