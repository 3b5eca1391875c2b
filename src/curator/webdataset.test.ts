import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { removePartialShards, ShardWriter, shardGroup } from './webdataset.js';

const dir = tempDir();

function samples(n: number): { key: string; members: Record<string, Uint8Array | string> }[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `clip-${i}`,
    members: {
      mp4: Uint8Array.from({ length: 700 + i * 300 }, (_, k) => (k * 7 + i) % 256),
      json: JSON.stringify({ id: `clip-${i}`, span: [i, i + 1] }),
      txt: `caption ${i}`,
    },
  }));
}

async function write(out: string, n: number, maxSamples: number): Promise<string[]> {
  const writer = new ShardWriter(out, { maxSamples });
  for (const s of samples(n)) await writer.add(s);
  return writer.close();
}

test("shards are read by Python's tarfile: every sample's members, and its JSON", async () => {
  const shards = await write(join(dir, 'a'), 5, 3);
  assert.deepEqual(
    shards.map((p) => p.split('/').pop()),
    ['shard-000000.tar', 'shard-000001.tar'],
  );
  const script = `
import json, sys, tarfile
out = []
for path in sys.argv[1:]:
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            data = tar.extractfile(m).read()
            out.append({'name': m.name, 'size': m.size, 'json': json.loads(data) if m.name.endswith('.json') else None, 'text': data.decode() if m.name.endswith('.txt') else None})
print(json.dumps(out))
`;
  const listed = JSON.parse(execFileSync('python3', ['-c', script, ...shards], { encoding: 'utf8' })) as {
    name: string;
    size: number;
    json: unknown;
    text: string | null;
  }[];
  assert.equal(listed.length, 15);
  const expected = samples(5);
  for (const [i, s] of expected.entries()) {
    const [mp4, json, txt] = listed.slice(3 * i, 3 * i + 3);
    assert.equal(mp4!.name, `${s.key}.mp4`);
    assert.equal(mp4!.size, (s.members.mp4 as Uint8Array).length);
    assert.deepEqual(json!.json, JSON.parse(s.members.json as string));
    assert.equal(txt!.text, s.members.txt);
  }
  assert.deepEqual(
    readdirSync(join(dir, 'a')).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('the same samples give byte-identical shards', async () => {
  const [a] = await write(join(dir, 'x'), 3, 10);
  const [b] = await write(join(dir, 'y'), 3, 10);
  assert.ok(readFileSync(a!).equals(readFileSync(b!)));
});

test('bad member names are refused; partial shards of a killed run are removed', async () => {
  const writer = new ShardWriter(join(dir, 'bad'));
  await assert.rejects(
    writer.add({ key: 'clip é', members: { txt: 'x' } }),
    (e: unknown) => OrbisError.isInstance(e) && /short ASCII name/.test((e as Error).message),
  );
  await writer.abort();
  writeFileSync(join(dir, 'bad', '.shard-000003.tar.123.tmp'), 'half');
  assert.deepEqual(await removePartialShards(join(dir, 'bad')), ['.shard-000003.tar.123.tmp']);
});

test('clips are grouped by resolution, aspect ratio and length', () => {
  assert.equal(shardGroup(1280, 720, 3), '720p_16x9_short');
  assert.equal(shardGroup(1080, 1920, 12), '1080p_9x16_medium');
  assert.equal(shardGroup(640, 480, 45), '480p_4x3_long');
  assert.equal(shardGroup(1000, 300, 2), '360p_other_short');
});
