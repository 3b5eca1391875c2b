import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runOrbis, tempDir } from '../../test/support.js';
import { decodeNpy, sampleMetaSchema } from '../sim/index.js';

const dir = tempDir('orbis-sim-cli-');

async function fails(args: string[], code: string, words: RegExp): Promise<void> {
  const r = await runOrbis(args, dir);
  assert.equal(r.code, 1, `${args.join(' ')} should fail`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`^orbis: ${code}: `));
  assert.match(lines[0]!, words);
}

test('bad arguments get one clear line each', async () => {
  const out = join(dir, 'out');
  await fails(
    ['sim', 'generate', '--scenario', 'lava-lamp', '--out', out],
    'SIM_UNKNOWN_SCENARIO',
    /unknown scenario "lava-lamp".*free-fall/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--size', '0', '--out', out],
    'SIM_INVALID_OPTION',
    /--size must be a whole number from 16/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--seeds', '-3', '--out', out],
    'SIM_INVALID_OPTION',
    /seeds "-3" are not whole numbers from 0/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--seeds=-1-4', '--out', out],
    'SIM_INVALID_OPTION',
    /not whole numbers/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--seeds', '1000000', '--out', out],
    'SIM_RESERVED_SEED',
    /evaluation split/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--views', '5', '--out', out],
    'SIM_INVALID_OPTION',
    /--views must be a whole number from 1 to 4/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'mix', '--size', '2048', '--frames', '100', '--out', out],
    'SIM_INVALID_OPTION',
    /need 4\.7 GiB per view/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--channels', 'rgb,lidar', '--out', out],
    'SIM_INVALID_OPTION',
    /--channels: unknown channel "lidar".*rgb, mask, depth/,
  );
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--channels', ',', '--out', out],
    'SIM_INVALID_OPTION',
    /--channels needs at least one channel/,
  );
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--out', join(file, 'sub')],
    'OUTPUT_UNWRITABLE',
    /cannot write to the output folder/,
  );
  await fails(
    ['sim', 'preview', '--scenario', 'nope', '--out', join(dir, 'x.png')],
    'SIM_UNKNOWN_SCENARIO',
    /unknown scenario/,
  );
});

test('an output folder without write permission is refused before any work', {
  skip: process.getuid?.() === 0 ? 'root may write anywhere' : false,
}, async () => {
  const locked = join(dir, 'locked');
  (await import('node:fs')).mkdirSync(locked);
  chmodSync(locked, 0o500);
  await fails(
    ['sim', 'generate', '--scenario', 'free-fall', '--out', join(locked, 'out')],
    'OUTPUT_UNWRITABLE',
    /cannot write/,
  );
});

test('generate writes npy arrays numpy can read and a sample.json that matches the schema; a rerun resumes', async () => {
  const out = join(dir, 'gen');
  const args = [
    'sim',
    'generate',
    '--scenario',
    'push',
    '--seeds',
    '2',
    '--size',
    '32',
    '--frames',
    '6',
    '--views',
    '1',
    '--out',
    out,
  ];
  const r = await runOrbis(['--json', '--threads', '1', ...args], dir);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { samples: number; framesRendered: number };
  assert.equal(report.samples, 1);
  assert.equal(report.framesRendered, 6);
  const sample = join(out, 'push', 'push-s0000002-v0-l0');
  const meta = sampleMetaSchema.parse(JSON.parse(readFileSync(join(sample, 'sample.json'), 'utf8')));
  assert.equal(meta.actions!.length, 6);
  assert.ok(meta.caption.length > 20);
  for (const [name, channel] of Object.entries(meta.channels)) {
    const { data, shape } = decodeNpy(readFileSync(join(sample, channel.file)));
    assert.deepEqual(shape, channel.shape, name);
    assert.equal(data instanceof Float32Array ? 'float32' : 'uint8', channel.dtype, name);
  }
  assert.ok(JSON.parse(readFileSync(join(out, 'sample.schema.json'), 'utf8')).properties.poses);
  const again = await runOrbis(['--json', '--threads', '1', ...args], dir);
  assert.equal((JSON.parse(again.stdout) as { skipped: number }).skipped, 1);
});

test('--channels rgb,mask writes those arrays alone, and sample.json lists only them', async () => {
  const out = join(dir, 'some');
  const args = ['sim', 'generate', '--scenario', 'push', '--seeds', '2', '--size', '32', '--frames', '6'];
  const r = await runOrbis(
    ['--threads', '1', ...args, '--views', '1', '--channels', 'mask, rgb', '--out', out],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  const sample = join(out, 'push', 'push-s0000002-v0-l0');
  assert.deepEqual(readdirSync(sample).sort(), ['caption.txt', 'mask.npy', 'rgb.npy', 'sample.json']);
  const meta = sampleMetaSchema.parse(JSON.parse(readFileSync(join(sample, 'sample.json'), 'utf8')));
  assert.deepEqual(Object.keys(meta.channels), ['rgb', 'mask']);
  assert.equal(meta.actions!.length, 6, 'the metadata keeps the actions and poses');
  // The same arrays as a full write of the same sample.
  const all = join(dir, 'all');
  const full = await runOrbis(['--threads', '1', ...args, '--views', '1', '--out', all], dir);
  assert.equal(full.code, 0, full.stderr);
  for (const name of ['rgb.npy', 'mask.npy'])
    assert.deepEqual(
      readFileSync(join(sample, name)),
      readFileSync(join(all, 'push', 'push-s0000002-v0-l0', name)),
      name,
    );
});

test('sim list names the ten scenarios; preview writes a PNG', async () => {
  const list = await runOrbis(['sim', 'list', '--json'], dir);
  assert.equal((JSON.parse(list.stdout) as unknown[]).length, 10);
  const png = join(dir, 'sheet.png');
  const r = await runOrbis(
    [
      'sim',
      'preview',
      '--scenario',
      'dominoes',
      '--size',
      '24',
      '--frames',
      '4',
      '--columns',
      '2',
      '--out',
      png,
    ],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  const bytes = readFileSync(png);
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  assert.equal(bytes.readUInt32BE(16), 48);
  assert.equal(bytes.readUInt32BE(20), 24 * 7);
});

test('--format shards writes WebDataset shards: MP4, JSON, caption and compressed ground truth per sample', async () => {
  const out = join(dir, 'shards');
  const r = await runOrbis(
    [
      '--threads',
      '1',
      'sim',
      'generate',
      '--scenario',
      'free-fall',
      '--seeds',
      '0',
      '--size',
      '32',
      '--frames',
      '6',
      '--views',
      '2',
      '--format',
      'shards',
      '--out',
      out,
    ],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  const tar = readFileSync(join(out, 'shards', 'sim-000000.tar'));
  const names: string[] = [];
  for (let o = 0; o + 512 <= tar.length; ) {
    const name = tar
      .subarray(o, o + 100)
      .toString('latin1')
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = Number.parseInt(tar.subarray(o + 124, o + 136).toString('latin1'), 8);
    names.push(name);
    o += 512 + Math.ceil(size / 512) * 512;
  }
  const key = 'free-fall-s0000000-v0-l0';
  for (const ext of [
    'mp4',
    'json',
    'txt',
    'mask.npy.gz',
    'depth.npy.gz',
    'edges.npy.gz',
    'normals.npy.gz',
    'poses.npy',
  ]) {
    assert.ok(names.includes(`${key}.${ext}`), `${key}.${ext} in ${names.join(' ')}`);
  }
  assert.equal(names.filter((n) => n.endsWith('.mp4')).length, 2);
});

test('eval-split writes the eight protocol scenarios x 4 views, 100 frames, from seed 1000000', async () => {
  const out = join(dir, 'eval');
  const r = await runOrbis(
    ['--json', '--threads', '1', 'sim', 'eval-split', '--seeds', '1', '--size', '16', '--out', out],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { samples: number }).samples, 32);
  const meta = sampleMetaSchema.parse(
    JSON.parse(readFileSync(join(out, 'dominoes', 'dominoes-s1000000-v3-l0', 'sample.json'), 'utf8')),
  );
  assert.equal(meta.frames, 100);
  assert.equal(meta.seed, 1000000);
});
