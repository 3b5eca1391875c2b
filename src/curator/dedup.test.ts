import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ffmpeg, readJsonLines, tempDir } from '../../test/support.js';
import { makeTestVideo } from '../video/index.js';
import { curate } from './curate.js';

const dir = tempDir();

test('planted duplicates are found: an exact copy and a re-encoded, resized copy; distinct clips are kept', async () => {
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs);
  const original = await makeTestVideo(join(inputs, 'a-original.mp4'), {
    shots: 2,
    shotSeconds: 3,
    transitions: ['cut'],
    width: 256,
    height: 144,
    seed: 0,
  });
  copyFileSync(original.path, join(inputs, 'b-copy.mp4'));
  ffmpeg(
    '-i',
    original.path,
    '-vf',
    'scale=192:108',
    '-c:v',
    'libx264',
    '-crf',
    '32',
    join(inputs, 'c-reencoded.mp4'),
  );
  await makeTestVideo(join(inputs, 'd-other.mp4'), {
    shots: 1,
    shotSeconds: 3,
    width: 256,
    height: 144,
    seed: 4,
  });

  const out = join(dir, 'out');
  await curate([inputs], { out });
  const rows = readJsonLines<{
    id: string;
    source: string;
    kept: boolean;
    dropped?: { stage: string; reason: string };
    duplicateOf?: string;
  }>(join(out, 'manifest.jsonl'));
  const of = (name: string) => rows.filter((r) => r.source.endsWith(name));
  const candidates = (name: string) => of(name).filter((r) => r.dropped?.stage !== 'split'); // too short: never compared
  const originals = of('a-original.mp4').filter((r) => r.kept);
  assert.equal(originals.length, 2, 'both shots of the original are kept');
  assert.equal(candidates('b-copy.mp4').length, 2);
  assert.equal(candidates('c-reencoded.mp4').length, 2);
  for (const r of candidates('b-copy.mp4')) {
    assert.equal(r.dropped?.stage, 'dedup');
    assert.match(r.dropped!.reason, /^exact duplicate of /);
    assert.ok(originals.some((o) => o.id === r.duplicateOf));
  }
  for (const r of candidates('c-reencoded.mp4')) {
    assert.equal(r.dropped?.stage, 'dedup', JSON.stringify(r));
    assert.match(r.dropped!.reason, /^near duplicate of .* \(cosine (0\.9\d+|1\.000)\)$/);
    assert.ok(originals.some((o) => o.id === r.duplicateOf));
  }
  assert.ok(
    of('d-other.mp4').every((r) => r.dropped?.stage !== 'dedup'),
    'a different video is not a duplicate',
  );
  const meta = JSON.parse(readFileSync(join(out, 'embeddings.json'), 'utf8')) as {
    dimensions: number;
    ids: string[];
  };
  assert.equal(readFileSync(join(out, 'embeddings.f32')).length, meta.ids.length * meta.dimensions * 4);
});
