import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { standInLpips, standInTransNet } from '../../test/onnx-model.js';
import { readJsonLines, tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { decodeFrames, makeTestVideo, type TestVideo } from '../video/index.js';
import { parseCuratorConfig } from './config.js';
import { curate } from './curate.js';
import { TransNetModel } from './learned-shots.js';

const dir = tempDir();
const modelPath = join(dir, 'transnet.onnx');
let video: TestVideo;

before(async () => {
  writeFileSync(modelPath, standInTransNet());
  writeFileSync(join(dir, 'lpips.onnx'), standInLpips());
  // Cuts at 0.5 s (inside the first window's padding), mid-video, and 20 frames before the end;
  // 7.3 s is not a whole number of 50-frame strides.
  video = await makeTestVideo(join(dir, 'cuts.mp4'), {
    shots: 4,
    shotSeconds: [0.5, 3, 3.13, 0.67],
    transitions: ['cut'],
    width: 160,
    height: 90,
    seed: 11,
  });
});

test('a TransNetV2-interface model finds the cuts, in windows of 100 with 25 frames of padding', async () => {
  const model = await TransNetModel.load(modelPath, { providers: ['cpu'] });
  try {
    const detector = model.detector();
    let frames = 0;
    for await (const frame of decodeFrames(video.path, { width: 96, pixelFormat: 'rgb24' })) {
      await detector.push(frame);
      frames++;
    }
    const found = await detector.finish();
    assert.deepEqual(
      found.map((b) => [b.kind, b.frame]),
      video.boundaries.map((b) => ['cut', b.startFrame]),
    );
    assert.ok(frames % 50 !== 0, 'the video ends inside a window');
  } finally {
    await model.close();
  }
});

test('curate uses the model set in split.model, and refuses one with the wrong interface', async () => {
  const config = parseCuratorConfig({ split: { model: { path: modelPath }, minClipSeconds: 0.1 } });
  const report = await curate([video.path], { out: join(dir, 'out'), config, stages: ['split', 'write'] });
  const rows = readJsonLines<{ span: { startFrame: number } }>(join(dir, 'out', 'manifest.jsonl'));
  assert.deepEqual(
    rows.map((r) => r.span.startFrame),
    [0, ...video.boundaries.map((b) => b.startFrame)],
  );
  assert.equal(report.counts.clips, 4);

  const code = async (path: string) => {
    try {
      await TransNetModel.load(path, { providers: ['cpu'] });
      return 'loaded';
    } catch (error) {
      return OrbisError.isInstance(error) ? error.code : String(error);
    }
  };
  assert.equal(await code(join(dir, 'lpips.onnx')), 'MODEL_INPUT_MISMATCH');
  assert.equal(await code(join(dir, 'missing.onnx')), 'MODEL_NOT_FOUND');
});
