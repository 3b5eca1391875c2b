import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { readNpy } from '../../test/npy.js';
import { runOrbis, tempDir } from '../../test/support.js';
import { makeTestVideo } from '../video/index.js';
import { TORCH_PYTHON, tinyStore, tinyTokenizerArgs } from './testing.js';
import { type TokenizerFrame, VideoTokenizer } from './tokenizer.js';

/**
 * The training recipe end to end on this machine's CPU: a few steps of training with Debian's PyTorch 1.13,
 * the ONNX export and manifest, then the same input through ONNX Runtime from TypeScript against PyTorch's
 * outputs.
 */
const dir = tempDir();

before(() => {
  execFileSync(TORCH_PYTHON, tinyTokenizerArgs(dir, 'tiny-cv', 'continuous'), { stdio: 'pipe' });
});

test('ONNX Runtime from TypeScript matches PyTorch on the same input (max abs difference < 1e-4)', async () => {
  const tokenizer = await VideoTokenizer.load(tinyStore(dir), 'tiny-cv', { providers: ['cpu'] });
  try {
    const x = readNpy(join(dir, 'tiny-cv', 'parity-input.npy'));
    const z = readNpy(join(dir, 'tiny-cv', 'parity-latent.npy'));
    const y = readNpy(join(dir, 'tiny-cv', 'parity-output.npy'));
    const latent = await tokenizer.encode(x.data, x.shape);
    assert.deepEqual(latent.dims, z.shape);
    const video = await tokenizer.decode({
      data: z.data,
      dims: z.shape as [number, number, number, number, number],
    });
    const maxDiff = (a: Float32Array, b: Float32Array) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.ok(maxDiff(latent.data, z.data) < 1e-4, `latent differs by ${maxDiff(latent.data, z.data)}`);
    assert.ok(maxDiff(video.data, y.data) < 1e-4, `video differs by ${maxDiff(video.data, y.data)}`);
    assert.equal(tokenizer.model.manifest.family, 'tokenizer-continuous');
  } finally {
    await tokenizer.close();
  }
});

test('round trips pad a last chunk to its causal group and say so; sizes that do not tile are refused', async () => {
  const tokenizer = await VideoTokenizer.load(tinyStore(dir), 'tiny-cv', { providers: ['cpu'] });
  try {
    const frame = (w: number, h: number, v: number): TokenizerFrame => ({
      width: w,
      height: h,
      data: new Uint8Array(w * h * 3).fill(v),
    });
    // 11 frames in chunks of 9: one of 9, one of 2 (padded to 5).
    const r = await tokenizer.roundTrip(
      Array.from({ length: 11 }, (_, i) => frame(32, 16, 10 * i)),
      9,
    );
    assert.equal(r.frames.length, 11);
    assert.equal(r.padded, 3);
    assert.ok(r.compression > 1);
    await assert.rejects(
      tokenizer.roundTrip([frame(30, 16, 0)]),
      /do not tile into this model's 8x8 patches/,
    );
    await assert.rejects(tokenizer.roundTrip([frame(32, 16, 0)], 10), /chunks must hold 1 \+ 4k frames/);
  } finally {
    await tokenizer.close();
  }
});

test('orbis tokenize roundtrip prints PSNR, SSIM and the compression, and writes the reconstruction', async () => {
  const video = await makeTestVideo(join(dir, 'clip.mp4'), {
    shots: 1,
    shotSeconds: 0.5,
    width: 64,
    height: 36,
  });
  process.env.ORBIS_MODEL_DIR = dir;
  try {
    const r = await runOrbis(
      ['--json', 'tokenize', 'roundtrip', video.path, '--model', 'tiny-cv', '--out', join(dir, 'back.mp4')],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      size: string;
      frames: number;
      psnr: number;
      compression: number;
      padded: number;
    };
    assert.equal(out.size, '64x32', 'rounded down to the 8-pixel patches');
    assert.equal(out.frames, 15);
    assert.equal(out.padded, 2, '15 frames in one chunk, padded to 17 (1 + 4k)');
    assert.ok(Number.isFinite(out.psnr) && out.compression > 1);
    assert.ok(existsSync(join(dir, 'back.mp4')));
    const missing = await runOrbis(
      ['tokenize', 'roundtrip', video.path, '--model', 'nope', '--chunk', '13', '--offline'],
      dir,
    );
    assert.match(missing.stderr, /^orbis: MODEL_NOT_FOUND: model "nope" is not installed/);
  } finally {
    delete process.env.ORBIS_MODEL_DIR;
  }
});
