import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnxModel, standInLpips } from '../../test/onnx-model.js';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import type { Image } from './image.js';
import { DreamSim, LPIPS_FILE, Lpips } from './learned.js';
import { resizeBicubic } from './resize.js';

/**
 * The plumbing of learned metrics, on small generated ONNX networks whose outputs are known in closed form:
 * a stand-in LPIPS that returns the mean squared difference of its two inputs, and a stand-in DreamSim whose
 * embedding is the mean of each colour channel.
 */
const dir = tempDir();
const lpipsPath = join(dir, 'models', LPIPS_FILE);
mkdirSync(join(dir, 'models'));
writeFileSync(lpipsPath, standInLpips());
const dreamsimPath = join(dir, 'dreamsim-standin.onnx');
writeFileSync(
  dreamsimPath,
  onnxModel({
    inputs: [{ name: 'image', shape: ['N', 3, 224, 224] }],
    outputs: [{ name: 'embedding', shape: ['N', 3] }],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['embedding'], attributes: { axis: 1 } },
    ],
  }),
);

function image(width: number, height: number, seed: number): Image {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * seed * 31 + (i % 3) * 70) % 256;
  return { width, height, channels: 3, data };
}

test('LPIPS feeds both images in [-1, 1], NCHW, and returns the model output', async () => {
  const lpips = await Lpips.load({ modelDir: join(dir, 'models'), providers: ['cpu'] });
  const a = image(40, 30, 1);
  const b = image(40, 30, 2);
  let expected = 0;
  for (let i = 0; i < a.data.length; i++) expected += ((a.data[i]! - b.data[i]!) / 127.5) ** 2;
  expected /= a.data.length;
  const value = await lpips.distance(a, b);
  assert.ok(Math.abs(value - expected) < 1e-5 * expected, `${value} vs ${expected}`);
  await assert.rejects(
    lpips.distance(a, image(40, 31, 2)),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
  );
  await lpips.close();
});

test('DreamSim resizes to 224 bicubic, scales to [0, 1], and scores 1 - cosine of embeddings', async () => {
  const dreamsim = await DreamSim.load({ model: dreamsimPath, providers: ['cpu'] });
  const a = image(64, 48, 3);
  const b = image(64, 48, 5);
  const meanRgb = (x: Image): number[] => {
    const r = resizeBicubic(x, 224, 224).data;
    const m = [0, 0, 0];
    for (let i = 0; i < r.length; i++) m[i % 3]! += r[i]! / 255;
    return m.map((v) => v / (224 * 224));
  };
  const [ea, eb] = [meanRgb(a), meanRgb(b)];
  const dot = ea.reduce((s, v, i) => s + v * eb[i]!, 0);
  const expected = 1 - dot / Math.sqrt(ea.reduce((s, v) => s + v * v, 0) * eb.reduce((s, v) => s + v * v, 0));
  const value = await dreamsim.distance(a, b);
  assert.ok(Math.abs(value - expected) < 1e-5, `${value} vs ${expected}`);
  assert.ok(Math.abs(await dreamsim.distance(a, a)) < 1e-6);
  await dreamsim.close();
});

test('without weights, the error names the file and where it goes', async () => {
  await assert.rejects(Lpips.load({ modelDir: join(dir, 'empty') }), (e: unknown) => {
    assert.ok(OrbisError.isInstance(e) && e.code === 'MODEL_NOT_FOUND');
    assert.match(e.message, /lpips-alex\.onnx/);
    assert.match(e.hint ?? '', /ORBIS_MODEL_DIR/);
    return true;
  });
  await assert.rejects(
    DreamSim.load({ model: lpipsPath, providers: ['cpu'] }),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'MODEL_INPUT_MISMATCH',
  );
});
