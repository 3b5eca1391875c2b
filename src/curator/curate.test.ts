import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { ffmpeg, readJsonLines, tempDir } from '../../test/support.js';
import { OrbisError, silentLogger } from '../core/index.js';
import { makeTestAudio, makeTestVideo } from '../video/index.js';
import { parseCuratorConfig } from './config.js';
import { curate, parseStages } from './curate.js';

const dir = tempDir();
const inputs = join(dir, 'inputs');

before(async () => {
  mkdirSync(join(inputs, 'nested', 'deeper'), { recursive: true });
  await makeTestVideo(join(inputs, 'street.mp4'), {
    shots: 3,
    shotSeconds: [3, 2.5, 3],
    transitions: ['cut', 'fade'],
    width: 192,
    height: 108,
    seed: 0,
  });
  await makeTestVideo(join(inputs, 'nested', 'robot arm é 1.mp4'), {
    shots: 2,
    shotSeconds: 3,
    transitions: ['cut'],
    width: 192,
    height: 108,
    seed: 3,
    flashes: true,
  });
  const camera = await makeTestVideo(join(inputs, 'nested', 'deeper', 'camera.mp4'), {
    shots: 1,
    shotSeconds: 2,
    faststart: false,
    width: 192,
    height: 108,
  });
  writeFileSync(
    join(inputs, 'nested', 'deeper', 'truncated.mp4'),
    readFileSync(camera.path).subarray(0, 9000),
  );
  writeFileSync(join(inputs, 'zero.mp4'), '');
  writeFileSync(join(inputs, 'notes.mp4'), 'not a video\n');
  writeFileSync(join(inputs, 'readme.txt'), 'not picked: not a video extension');
  await makeTestAudio(join(inputs, 'voice.mp4')); // audio only, in an MP4
  // Enormous resolution: one 9000x9000 frame (PNG-coded, so it is small and quick to make).
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'color=c=gray:s=9000x9000:d=0.04',
    '-frames:v',
    '1',
    '-c:v',
    'png',
    join(inputs, 'huge.mkv'),
  );
  symlinkSync(inputs, join(inputs, 'nested', 'loop')); // a folder link back to the top
});

test('curate records every bad input with its code and fully processes every good video', async () => {
  const out = join(dir, 'out');
  const report = await curate([inputs, join(dir, 'missing-folder')], { out });
  const outcome = Object.fromEntries(
    report.inputs.map((i) => [
      i.path.startsWith(`${inputs}/`) ? i.path.slice(inputs.length + 1) : i.path,
      i.code ?? i.outcome,
    ]),
  );
  assert.equal(outcome['zero.mp4'], 'VIDEO_EMPTY');
  assert.equal(outcome['notes.mp4'], 'VIDEO_NOT_A_VIDEO');
  assert.equal(outcome['voice.mp4'], 'VIDEO_NO_VIDEO_STREAM');
  assert.equal(outcome['huge.mkv'], 'VIDEO_TOO_LARGE');
  assert.equal(outcome['nested/deeper/truncated.mp4'], 'VIDEO_TRUNCATED');
  assert.equal(outcome[join(dir, 'missing-folder')], 'VIDEO_NOT_FOUND');
  assert.equal(outcome['street.mp4'], 'ok');
  assert.equal(outcome['nested/robot arm é 1.mp4'], 'ok');
  assert.ok(!('readme.txt' in outcome), 'only video files are taken from folders');
  assert.equal(
    report.inputs.filter((i) => i.path.includes('street.mp4')).length,
    1,
    'the link loop did not visit files twice',
  );

  const rows = readJsonLines<{
    id: string;
    kept: boolean;
    shard?: string;
    source: string;
    dropped?: { stage: string };
  }>(join(out, 'manifest.jsonl'));
  assert.equal(rows.length, report.counts.clips);
  assert.ok(report.counts.kept >= 3, `kept ${report.counts.kept}`);
  for (const r of rows) assert.equal(r.kept, !r.dropped);

  // The shards, read by Python's tarfile: one sample per kept clip, with mp4, json and txt members.
  const script = `
import json, sys, tarfile
seen = {}
for path in sys.argv[1:]:
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            key, ext = m.name.rsplit('.', 1)
            seen.setdefault(key, {})[ext] = m.size if ext != 'json' else json.loads(tar.extractfile(m).read())
print(json.dumps(seen))
`;
  const shards = report.shards.map((s) => join(out, s));
  const samples = JSON.parse(
    execFileSync('python3', ['-c', script, ...shards], { encoding: 'utf8' }),
  ) as Record<string, { mp4: number; json: { id: string }; txt: number }>;
  const kept = rows.filter((r) => r.kept);
  assert.deepEqual(Object.keys(samples).sort(), kept.map((r) => r.id).sort());
  for (const r of kept) {
    assert.ok(samples[r.id]!.mp4 > 1000, 'an H.264 clip');
    assert.equal(samples[r.id]!.json.id, r.id);
    assert.ok(r.shard && existsSync(join(out, r.shard)));
  }
});

function runChild(out: string): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(import.meta.dirname, '../../test/curate-child.ts'), out, inputs],
    { stdio: 'ignore' },
  );
  return {
    done: new Promise((r) => child.on('close', (code) => r(code))),
    kill: () => child.kill('SIGKILL'),
  };
}

test('killed with SIGKILL mid-run and rerun, the dataset equals an uninterrupted run', async () => {
  const reference = join(dir, 'reference');
  await curate([inputs], { out: reference });
  const resumed = join(dir, 'resumed');
  const first = runChild(resumed);
  // Kill it once it has finished part of the work (a clip encoded), before it could finish it all.
  const clips = join(resumed, 'work', 'clips');
  for (
    let i = 0;
    i < 600 && !(existsSync(clips) && readdirSync(clips).some((n) => n.endsWith('.mp4')));
    i++
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  first.kill();
  await first.done;
  assert.ok(!existsSync(join(resumed, 'report.json')), 'the first run was interrupted before it finished');
  assert.equal(await runChild(resumed).done, 0);
  assert.equal(
    readFileSync(join(resumed, 'manifest.jsonl'), 'utf8'),
    readFileSync(join(reference, 'manifest.jsonl'), 'utf8').replaceAll(reference, resumed),
  );
  const shardsOf = (d: string): string[] => readdirSync(join(d, 'shards')).sort();
  assert.deepEqual(shardsOf(resumed), shardsOf(reference));
  for (const name of shardsOf(reference)) {
    const work = (d: string, f: string): Buffer => readFileSync(join(d, 'work', 'clips', f));
    const differing = readdirSync(join(reference, 'work', 'clips')).filter(
      (f) => !work(reference, f).equals(work(resumed, f)),
    );
    assert.ok(
      readFileSync(join(reference, 'shards', name)).equals(readFileSync(join(resumed, 'shards', name))),
      `${name} is byte-identical (work files that differ: ${differing.join(', ') || 'none'})`,
    );
  }
  assert.deepEqual(
    readdirSync(join(resumed, 'shards')).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('a bad curator setting names its key', () => {
  assert.throws(
    () => parseCuratorConfig({ split: { minClipSeconds: -1 } }, 'orbis.config.json'),
    (e: unknown) =>
      OrbisError.isInstance(e) &&
      e.code === 'CONFIG_INVALID' &&
      /"split.minClipSeconds"/.test((e as Error).message),
  );
  assert.throws(
    () => parseCuratorConfig({ filter: { minMotoin: 1 } }),
    (e: unknown) => OrbisError.isInstance(e) && /"filter.minMotoin"/.test((e as Error).message),
  );
});

test('--stages runs only the stages named, and the run serves Prometheus metrics while it runs', async () => {
  const out = join(dir, 'out-stages');
  let url: string | undefined;
  let scraped: Promise<string> | undefined;
  const log = {
    ...silentLogger,
    info: (message: string) => {
      url = /metrics at (\S+)/.exec(message)?.[1] ?? url;
    },
  };
  const task = {
    tick() {},
    note() {},
    done() {},
    update() {
      if (url && !scraped) scraped = fetch(url).then((r) => r.text());
    },
  };
  const report = await curate([join(inputs, 'street.mp4')], {
    out,
    stages: parseStages(['split,filter', 'dedup'], parseCuratorConfig({})),
    metricsPort: 0,
    log,
    progress: { task: () => task, close() {} },
  });
  assert.deepEqual(
    report.stages.map((s) => s.name),
    ['split', 'filter'],
  );
  assert.ok(report.counts.clips > 0);
  assert.deepEqual(report.shards, [], 'no transcode, so no shards');
  assert.ok(!existsSync(join(out, 'work', 'clips')), 'nothing was encoded');
  const rows = readJsonLines<{ shard?: string }>(join(out, 'manifest.jsonl'));
  assert.equal(rows.length, report.counts.clips);
  assert.ok(rows.every((r) => r.shard === undefined));
  assert.ok(scraped, 'the metrics endpoint was announced and scraped during the run');
  assert.match(await scraped, /orbis_stage_items_in_total\{pipeline="curate",stage="split"\} \d/);
});

test('--stages rejects unknown names, a list without split, and caption without an endpoint', () => {
  const config = parseCuratorConfig({});
  const code = (list: string[]) => {
    try {
      parseStages(list, config);
      return 'ok';
    } catch (error) {
      return OrbisError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
    }
  };
  assert.match(code(['split,trancode']), /CONFIG_INVALID: unknown curator stage "trancode"/);
  assert.match(code(['filter,transcode']), /must include split/);
  assert.match(code(['split,caption']), /caption\.endpoint/);
  assert.equal(code(['split', 'transcode,write']), 'ok');
});
