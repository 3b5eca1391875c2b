import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, OrbisError, toOrbisError, VideoError } from './errors.js';

test('OrbisError keeps code, hint, details and cause, and prints one line', () => {
  const cause = new Error('root');
  const error = new OrbisError('VIDEO_EMPTY', 'x.mp4 is empty\n(0 bytes)', {
    cause,
    hint: 'fetch it again',
    details: { path: 'x.mp4' },
  });
  assert.equal(error.code, 'VIDEO_EMPTY');
  assert.equal(error.cause, cause);
  assert.equal(error.oneLine(), 'x.mp4 is empty (0 bytes); fetch it again');
  assert.deepEqual(error.toJSON(), {
    code: 'VIDEO_EMPTY',
    message: 'x.mp4 is empty\n(0 bytes)',
    hint: 'fetch it again',
    path: 'x.mp4',
  });
});

test('isInstance recognizes subclasses and rejects look-alikes', () => {
  assert.ok(OrbisError.isInstance(new VideoError('VIDEO_CORRUPT', 'a.mp4', 'bad', { stderrTail: 'tail' })));
  assert.ok(OrbisError.isInstance(new ConfigError('threads', 'env ORBIS_THREADS', 'bad')));
  assert.ok(!OrbisError.isInstance(new Error('plain')));
  assert.ok(!OrbisError.isInstance({ code: 'VIDEO_EMPTY', message: 'fake' }));
  assert.ok(!OrbisError.isInstance(null));
});

test('VideoError carries the path and ffmpeg output', () => {
  const error = new VideoError('VIDEO_CORRUPT', 'a.mp4', 'a.mp4 is damaged', { stderrTail: 'partial file' });
  assert.equal(error.path, 'a.mp4');
  assert.equal(error.details.stderrTail, 'partial file');
});

test('toOrbisError wraps unknown errors as INTERNAL and keeps the original', () => {
  const raw = new TypeError('boom');
  const wrapped = toOrbisError(raw);
  assert.equal(wrapped.code, 'INTERNAL');
  assert.equal(wrapped.cause, raw);
  const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
  assert.equal(toOrbisError(abort).code, 'ABORTED');
  const same = new OrbisError('ABORTED', 'x');
  assert.equal(toOrbisError(same), same);
});
