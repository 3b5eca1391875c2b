import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { envName, loadConfig } from './config.js';
import { OrbisError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orbis-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('defaults apply when nothing is set', () => {
  const { config, sourceOf } = loadConfig({ env: {}, cwd: dir });
  assert.equal(config.ffmpeg, 'ffmpeg');
  assert.equal(config.threads, 0);
  assert.equal(sourceOf.threads, 'default');
});

test('flags beat env, env beats the file, the file beats defaults', () => {
  const file = join(dir, 'a.json');
  writeFileSync(file, JSON.stringify({ threads: 3, logLevel: 'warn', ffmpeg: '/opt/ffmpeg' }));
  const { config, sourceOf } = loadConfig({
    configFile: file,
    env: { ORBIS_THREADS: '5', ORBIS_LOG_LEVEL: 'error' },
    flags: { threads: '7', progress: undefined },
    cwd: dir,
  });
  assert.equal(config.threads, 7);
  assert.equal(sourceOf.threads, 'flag --threads');
  assert.equal(config.logLevel, 'error');
  assert.equal(sourceOf.logLevel, 'env ORBIS_LOG_LEVEL');
  assert.equal(config.ffmpeg, '/opt/ffmpeg');
  assert.equal(sourceOf.ffmpeg, `file ${file}`);
  assert.equal(config.progress, 'auto');
});

test('./orbis.config.json is read when present, and ORBIS_CONFIG names another file', () => {
  const local = mkdtempSync(join(dir, 'cwd-'));
  writeFileSync(join(local, 'orbis.config.json'), JSON.stringify({ threads: 2 }));
  assert.equal(loadConfig({ env: {}, cwd: local }).config.threads, 2);
  const other = join(dir, 'other.json');
  writeFileSync(other, JSON.stringify({ threads: 9 }));
  assert.equal(loadConfig({ env: { ORBIS_CONFIG: other }, cwd: local }).config.threads, 9);
});

test('a bad value names the key and where it came from', () => {
  assert.throws(
    () => loadConfig({ env: { ORBIS_THREADS: 'many' }, cwd: dir }),
    (e: unknown) =>
      OrbisError.isInstance(e) &&
      e.code === 'CONFIG_INVALID' &&
      /"threads"/.test(e.message) &&
      /env ORBIS_THREADS/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ env: {}, flags: { logLevel: 'loud' }, cwd: dir }),
    (e: unknown) =>
      OrbisError.isInstance(e) && /"logLevel"/.test(e.message) && /flag --log-level/.test(e.message),
  );
});

test('an unknown key in the file is named, with the known keys', () => {
  const file = join(dir, 'typo.json');
  writeFileSync(file, JSON.stringify({ fmpeg: 'x' }));
  assert.throws(
    () => loadConfig({ configFile: file, env: {}, cwd: dir }),
    (e: unknown) => OrbisError.isInstance(e) && /"fmpeg"/.test(e.message) && /ffmpeg/.test(e.hint ?? ''),
  );
});

test('a missing or malformed config file is a clear error', () => {
  assert.throws(
    () => loadConfig({ configFile: join(dir, 'nope.json'), env: {}, cwd: dir }),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'CONFIG_FILE_UNREADABLE',
  );
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ threads: ');
  assert.throws(
    () => loadConfig({ configFile: bad, env: {}, cwd: dir }),
    (e: unknown) => OrbisError.isInstance(e) && /not valid JSON/.test(e.message),
  );
});

test('env names follow the keys', () => {
  assert.equal(envName('logLevel'), 'ORBIS_LOG_LEVEL');
  assert.equal(envName('cacheDir'), 'ORBIS_CACHE_DIR');
});
