import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, readJsonLines, runOrbis, tempDir } from '../../test/support.js';
import { makeTestVideo } from '../video/index.js';
import type { DatasetSearchResult } from './search-dataset.js';
import { type PgliteServer, startPgliteServer } from './testing/pglite-server.js';

const dir = tempDir('orbis-search-');
const dataset = join(dir, 'dataset');
const inputs = join(dir, 'inputs');
interface Row {
  id: string;
  source: string;
  span: { start: number };
  kept: boolean;
  thumbnail?: string;
}
let kept: Row[] = [];
/** Each kept clip of street.mp4 with its planted near duplicate (the same shot in street-small.mp4). */
let pairs: { clip: Row; duplicate: Row }[] = [];

async function orbis(...args: string[]) {
  return runOrbis(args, dir);
}

async function query(...args: string[]): Promise<DatasetSearchResult> {
  const r = await orbis('search', 'query', ...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DatasetSearchResult;
}

before(async () => {
  mkdirSync(inputs);
  // Planted near duplicates: the same shots at another resolution, which dedup at threshold 1 keeps.
  const shots = { shots: 3, shotSeconds: 2.5, transitions: ['cut' as const], seed: 0 };
  await makeTestVideo(join(inputs, 'street.mp4'), { ...shots, width: 192, height: 108 });
  await makeTestVideo(join(inputs, 'street-small.mp4'), { ...shots, width: 160, height: 90 });
  await makeTestVideo(join(inputs, 'other.mp4'), { ...shots, shots: 2, seed: 5, width: 192, height: 108 });
  writeFileSync(join(dir, 'orbis.json'), JSON.stringify({ curator: { dedup: { threshold: 1 } } }));
  const r = await orbis('--config', join(dir, 'orbis.json'), 'curate', inputs, '--out', dataset);
  assert.equal(r.code, 0, r.stderr);
  kept = readJsonLines<Row>(join(dataset, 'manifest.jsonl')).filter((row) => row.kept);
  const small = kept.filter((row) => row.source.endsWith('street-small.mp4'));
  pairs = kept
    .filter((row) => row.source.endsWith('/street.mp4'))
    .map((clip) => ({ clip, duplicate: small.find((s) => s.span.start === clip.span.start)! }));
  assert.ok(pairs.length >= 2 && pairs.every((p) => p.duplicate), 'the planted duplicates were kept');
});

test('a query before any index is SEARCH_NO_INDEX, in one line that says what to run', async () => {
  const r = await orbis('search', 'query', dataset, '--clip', kept[0]!.id);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^orbis: SEARCH_NO_INDEX: .* has no search index yet; build it first: orbis search index /,
  );
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('curate, index (LanceDB), query by clip: the clip itself first, its near duplicate next', async () => {
  const indexed = await orbis('search', 'index', dataset);
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.match(indexed.stdout, new RegExp(`indexed ${kept.length} clips of .* into lancedb`));
  for (const { clip, duplicate } of pairs) {
    const { hits } = await query(dataset, '--clip', clip.id, '-k', '4');
    assert.equal(hits[0]!.clip.id, clip.id);
    assert.ok(hits[0]!.score > 0.9999);
    assert.equal(hits[1]!.clip.id, duplicate.id);
    assert.ok(hits[1]!.score > 0.9 && hits[2]!.score < hits[1]!.score);
    assert.equal(hits[0]!.thumbnailPath, join(dataset, clip.thumbnail!));
  }
  // The human table names the clips, their spans and thumbnails.
  const human = await orbis('search', 'query', dataset, '--clip', pairs[0]!.clip.id, '-k', '2');
  assert.match(human.stdout, /2 clips for clip ".*" \(cosine similarity\)/);
  assert.match(
    human.stdout,
    new RegExp(
      `1\\s+1\\.000\\s+${pairs[0]!.clip.id}\\s+0\\.00-2\\.50 s\\s+inputs/street\\.mp4\\s+dataset/work/clips/`,
    ),
  );
});

test('a query by video or by image embeds the file like the curator did and finds its clip', async () => {
  for (const { clip, duplicate } of pairs) {
    const byVideo = await query(
      dataset,
      '--video',
      join(dataset, 'work', 'clips', `${clip.id}.mp4`),
      '-k',
      '2',
    );
    assert.deepEqual(new Set(byVideo.hits.map((h) => h.clip.id)), new Set([clip.id, duplicate.id]));
    const byImage = await query(dataset, '--image', join(dataset, clip.thumbnail!), '-k', '2');
    assert.deepEqual(new Set(byImage.hits.map((h) => h.clip.id)), new Set([clip.id, duplicate.id]));
  }
});

test('filters narrow the results; a malformed filter is SEARCH_FILTER_INVALID', async () => {
  const { clip } = pairs[0]!;
  const { hits } = await query(dataset, '--clip', clip.id, '--where', 'width<192 and source~small');
  assert.ok(hits.length > 0);
  for (const h of hits) assert.ok(h.clip.width < 192 && h.clip.source.includes('small'));
  for (const where of ['width<<3', 'colour=red', 'duration>=long', 'source~street and']) {
    const r = await orbis('search', 'query', dataset, '--clip', clip.id, '--where', where);
    assert.equal(r.code, 1, where);
    assert.match(r.stderr, /^orbis: SEARCH_FILTER_INVALID: .*; write conditions like/);
  }
});

test('bad queries: an unknown clip, no query or two, a bad k, a file that is not there', async () => {
  const cases: [string[], RegExp][] = [
    [['--clip', 'no-such-clip'], /SEARCH_CLIP_NOT_FOUND: no clip "no-such-clip"/],
    [[], /INVALID_ARGUMENT: say what to search with/],
    [['--clip', 'x', '--text', 'cup'], /INVALID_ARGUMENT: search with one of --clip, --text, not all/],
    [['--clip', 'x', '-k', '0'], /INVALID_ARGUMENT: -k must be a whole number/],
    [['--video', join(dir, 'missing.mp4')], /VIDEO_NOT_FOUND/],
    [['--image', join(dataset, 'manifest.jsonl')], /INVALID_ARGUMENT: .* does not look like an image/],
  ];
  const notDataset = await orbis('search', 'query', inputs, '--clip', 'x');
  assert.match(
    notDataset.stderr,
    /^orbis: SEARCH_DATASET_INVALID: .* is not a curated dataset \(no embeddings.json\)/,
  );
  const notIndexable = await orbis('search', 'index', inputs);
  assert.match(
    notIndexable.stderr,
    /^orbis: SEARCH_DATASET_INVALID: .* is not a curated dataset \(no embeddings.json\)/,
  );
  const text = await orbis('search', 'query', dataset, '--text', 'robot arm');
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /0 clips for text "robot arm" \(full-text relevance\)\ntext matches captions: curate with a captioner/,
  );
  for (const [args, expected] of cases) {
    const r = await orbis('search', 'query', dataset, ...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, expected);
  }
});

test('an index of another embedder refuses file queries: a dimension mismatch, said plainly', async () => {
  const other = join(dir, 'other-embedder');
  mkdirSync(other);
  const ids = kept.map((k) => k.id);
  writeFileSync(join(other, 'manifest.jsonl'), readFileSync(join(dataset, 'manifest.jsonl')));
  writeFileSync(
    join(other, 'embeddings.json'),
    JSON.stringify({ model: 'clip-vit-b32', dimensions: 512, ids }),
  );
  writeFileSync(
    join(other, 'embeddings.f32'),
    new Uint8Array(new Float32Array(ids.length * 512).fill(0.04).buffer),
  );
  assert.equal((await orbis('search', 'index', other)).code, 0);
  const r = await orbis('search', 'query', other, '--video', join(inputs, 'street.mp4'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SEARCH_DIMENSION_MISMATCH: the index was built with the "clip-vit-b32" embedder/);
});

test('a failed ingestion leaves no partial index, and the previous index keeps serving', async () => {
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  for (const f of ['embeddings.json', 'embeddings.f32'])
    writeFileSync(join(broken, f), readFileSync(join(dataset, f)));
  writeFileSync(join(broken, 'manifest.jsonl'), readFileSync(join(dataset, 'manifest.jsonl')));
  assert.equal((await orbis('search', 'index', broken)).code, 0);
  const before = readFileSync(join(broken, 'search', 'index.json'), 'utf8');
  // The last clip loses its manifest row: the load fails after earlier batches were written.
  const rows = readFileSync(join(broken, 'manifest.jsonl'), 'utf8').trim().split('\n');
  const last = kept[kept.length - 1]!.id;
  writeFileSync(join(broken, 'manifest.jsonl'), `${rows.filter((l) => !l.includes(last)).join('\n')}\n`);
  const { indexDataset } = await import('./index-dataset.js');
  await assert.rejects(indexDataset(broken, { batchRows: 2 }), /has an embedding but no manifest row/);
  assert.equal(readFileSync(join(broken, 'search', 'index.json'), 'utf8'), before);
  assert.ok(
    !existsSync(join(broken, 'search', 'lancedb', 'clips_building.lance')),
    'the temporary table is gone',
  );
  const { hits } = await query(broken, '--clip', last, '-k', '1');
  assert.equal(hits[0]!.clip.id, last, 'the previous index still answers');
});

test('re-indexing with another shard count replaces the old layout, and queries follow index.json', async () => {
  const copy = join(dir, 'reshard');
  mkdirSync(copy);
  for (const f of ['embeddings.json', 'embeddings.f32', 'manifest.jsonl'])
    writeFileSync(join(copy, f), readFileSync(join(dataset, f)));
  assert.equal((await orbis('search', 'index', copy)).code, 0);
  const again = await orbis('search', 'index', copy, '--shards', '2');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(readdirSync(join(copy, 'search')).sort(), [
    'index.json',
    'lancedb-shard-0',
    'lancedb-shard-1',
  ]);
  const { clip, duplicate } = pairs[0]!;
  const { hits } = await query(copy, '--clip', clip.id, '-k', '2');
  assert.deepEqual(
    hits.map((h) => h.clip.id),
    [clip.id, duplicate.id],
  );
});

describe('PostgreSQL', () => {
  let pglite: PgliteServer;
  before(async () => {
    pglite = await startPgliteServer();
  });
  after(async () => pglite?.stop());

  test('curate, index into pgvector over 3 shards, query by clip: the clip first, its duplicate next', async () => {
    const copy = join(dir, 'pg-dataset');
    mkdirSync(copy);
    for (const f of ['embeddings.json', 'embeddings.f32', 'manifest.jsonl'])
      writeFileSync(join(copy, f), readFileSync(join(dataset, f)));
    const indexed = await orbis('search', 'index', copy, '--store', pglite.url, '--shards', '3');
    assert.equal(indexed.code, 0, indexed.stderr);
    const recorded = JSON.parse(readFileSync(join(copy, 'search', 'index.json'), 'utf8'));
    assert.doesNotMatch(JSON.stringify(recorded), /postgres:postgres@/, 'no password written to disk');
    for (const { clip, duplicate } of pairs) {
      const { hits } = await query(copy, '--clip', clip.id, '-k', '3', '--store', pglite.url);
      assert.deepEqual(
        hits.slice(0, 2).map((h) => h.clip.id),
        [clip.id, duplicate.id],
      );
    }
  });

  test('a PostgreSQL that is down: SEARCH_STORE_UNREACHABLE, and no index recorded', async () => {
    const down = join(dir, 'down-dataset');
    mkdirSync(down);
    for (const f of ['embeddings.json', 'embeddings.f32', 'manifest.jsonl'])
      writeFileSync(join(down, f), readFileSync(join(dataset, f)));
    const r = await orbis('search', 'index', down, '--store', 'postgres://postgres:pw@127.0.0.1:1/postgres');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^orbis: SEARCH_STORE_UNREACHABLE: cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres .*start the server/,
    );
    assert.doesNotMatch(r.stderr, /:pw@/);
    assert.ok(!existsSync(join(down, 'search', 'index.json')));
  });

  // A password check needs a real server: PGlite accepts any password. Debian's PostgreSQL 15 has no
  // pgvector, which the second half of this test relies on.
  const bin = '/usr/lib/postgresql/15/bin';
  const root = process.getuid?.() === 0;
  test('a PostgreSQL that refuses the password, or lacks pgvector: SEARCH_STORE_AUTH / SEARCH_STORE_FAILED', {
    skip: existsSync(join(bin, 'initdb')) ? false : 'Debian PostgreSQL 15 is not installed',
  }, async () => {
    const pg = join(dir, 'pg');
    mkdirSync(pg);
    writeFileSync(join(pg, 'pw'), 'secret\n');
    const as = root ? ['runuser', '-u', 'postgres', '--'] : [];
    if (root) {
      chmodSync(dir, 0o711); // postgres must reach its folder inside our temp dir
      for (const p of [pg, join(pg, 'pw')]) chownSync(p, uid('postgres'), gid('postgres'));
    }
    const run = (cmd: string, ...args: string[]) =>
      execFileSync(as[0] ?? cmd, [...as.slice(1), ...(as.length ? [cmd] : []), ...args], { stdio: 'ignore' });
    run(
      join(bin, 'initdb'),
      '-D',
      join(pg, 'data'),
      '--auth=scram-sha-256',
      `--pwfile=${join(pg, 'pw')}`,
      '-U',
      'postgres',
    );
    // A port the system just handed out can be taken again before the server binds it, so a start that
    // fails to bind tries another; any other failure is thrown with the server's own log.
    const log = join(pg, 'log');
    let port = '';
    for (let attempt = 1; ; attempt++) {
      port = String(await freePort());
      try {
        run(
          join(bin, 'pg_ctl'),
          '-D',
          join(pg, 'data'),
          '-l',
          log,
          '-o',
          `-p ${port} -k ${pg} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=20`,
          '-w',
          'start',
        );
        break;
      } catch (e) {
        const said = existsSync(log) ? readFileSync(log, 'utf8') : '(no log)';
        if (attempt < 3 && /could not bind|already in use|could not create any TCP/i.test(said)) continue;
        throw new Error(`pg_ctl start failed on port ${port}: ${(e as Error).message}\n${said.slice(-2000)}`);
      }
    }
    try {
      const wrong = await orbis(
        'search',
        'index',
        dataset,
        '--store',
        `postgres://postgres:wrong@127.0.0.1:${port}/postgres`,
      );
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        /^orbis: SEARCH_STORE_AUTH: PostgreSQL at .* refused the login: password authentication failed/,
      );
      const plain = await orbis(
        'search',
        'index',
        dataset,
        '--store',
        `postgres://postgres:secret@127.0.0.1:${port}/postgres`,
      );
      assert.equal(plain.code, 1);
      assert.match(plain.stderr, /SEARCH_STORE_FAILED: PostgreSQL at .* has no pgvector/);
    } finally {
      run(join(bin, 'pg_ctl'), '-D', join(pg, 'data'), '-m', 'immediate', 'stop');
    }
  });
});

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}
function gid(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
