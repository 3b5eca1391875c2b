import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { standInAesthetic, standInEncoder, standInTransNet } from '../../test/onnx-model.js';
import { readJsonLines, tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { imageBatch, OnnxEmbedder } from '../embed/index.js';
import { makeTestVideo } from '../video/index.js';
import { parseCuratorConfig } from './config.js';
import { curate } from './curate.js';

const dir = tempDir();
const inputs = join(dir, 'in');

before(async () => {
  writeFileSync(join(dir, 'aesthetic.onnx'), standInAesthetic());
  writeFileSync(join(dir, 'encoder.onnx'), standInEncoder());
  writeFileSync(join(dir, 'transnet.onnx'), standInTransNet());
  await makeTestVideo(join(inputs, 'a.mp4'), {
    shots: 3,
    shotSeconds: 2.5,
    transitions: ['cut'],
    width: 192,
    height: 108,
    seed: 21,
  });
});

interface Row {
  kept: boolean;
  scores: Record<string, number>;
  dropped?: { stage: string; reason: string };
}

test('a learned aesthetic model scores every clip the rules kept, and an ONNX encoder makes the embeddings', async () => {
  const config = parseCuratorConfig({
    filter: { aesthetic: { path: join(dir, 'aesthetic.onnx'), minScore: -100 } },
    embed: { path: join(dir, 'encoder.onnx') },
  });
  const out = join(dir, 'kept');
  const report = await curate([inputs], { out, config, stages: ['split', 'filter', 'dedup', 'write'] });
  const rows = readJsonLines<Row>(join(out, 'manifest.jsonl'));
  const scored = rows.filter((r) => r.dropped?.stage !== 'split' && r.dropped?.stage !== 'filter');
  assert.ok(scored.length >= 1);
  for (const r of scored)
    assert.ok(Number.isFinite(r.scores.aesthetic), 'every clip past the rules has a score');
  const meta = JSON.parse(readFileSync(join(out, 'embeddings.json'), 'utf8'));
  assert.equal(meta.model, 'onnx:encoder.onnx');
  assert.equal(meta.dimensions, 3);
  assert.equal(readFileSync(join(out, 'embeddings.f32')).length, 4 * 3 * report.counts.kept);

  const strict = parseCuratorConfig({
    filter: { aesthetic: { path: join(dir, 'aesthetic.onnx'), minScore: 100 } },
  });
  await curate([inputs], { out: join(dir, 'strict'), config: strict, stages: ['split', 'filter', 'write'] });
  const dropped = readJsonLines<Row>(join(dir, 'strict', 'manifest.jsonl')).filter((r) =>
    r.dropped?.reason.startsWith('aesthetic: score'),
  );
  assert.equal(dropped.length, scored.length, 'every clip under minScore is dropped, with the score');
});

test('image models get the centre square, normalized; a model with the wrong interface is refused', async () => {
  // A 4x2 frame: the centre square is columns 1-2.
  const data = new Uint8Array(4 * 2 * 3);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++) data.fill(x === 1 || x === 2 ? 255 : 0, (y * 4 + x) * 3, (y * 4 + x + 1) * 3);
  const batch = imageBatch([{ width: 4, height: 2, data }], {
    size: 2,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.25, 1],
  });
  assert.deepEqual(Array.from(batch), [1, 1, 1, 1, 2, 2, 2, 2, 0.5, 0.5, 0.5, 0.5]);

  const code = async (path: string) => {
    try {
      await OnnxEmbedder.load(path, { providers: ['cpu'] });
      return 'loaded';
    } catch (error) {
      return OrbisError.isInstance(error) ? error.code : String(error);
    }
  };
  assert.equal(await code(join(dir, 'transnet.onnx')), 'MODEL_INPUT_MISMATCH');
  assert.equal(await code(join(dir, 'encoder.onnx')), 'loaded');
});
