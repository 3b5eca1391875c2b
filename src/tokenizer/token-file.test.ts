import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ffmpeg, ffprobeFrameTimes, runOrbis, tempDir } from '../../test/support.js';
import { makeTestVideo } from '../video/index.js';
import { TORCH_PYTHON, tinyTokenizerArgs } from './testing.js';

/**
 * `orbis tokenize encode` and `decode` end to end with two-step CPU models of both kinds, and every way a
 * tokens file or an input video can be wrong, each a one-line error.
 */
const dir = tempDir();
let video: string;

before(async () => {
  execFileSync(TORCH_PYTHON, tinyTokenizerArgs(dir, 'tiny-cv', 'continuous'), { stdio: 'pipe' });
  execFileSync(TORCH_PYTHON, tinyTokenizerArgs(dir, 'tiny-dv', 'discrete'), { stdio: 'pipe' });
  video = (await makeTestVideo(join(dir, 'clip.mp4'), { shots: 1, shotSeconds: 0.5, width: 64, height: 36 }))
    .path;
  process.env.ORBIS_MODEL_DIR = dir;
});
after(() => {
  delete process.env.ORBIS_MODEL_DIR;
});

const orbis = (...args: string[]) => runOrbis(['--json', 'tokenize', ...args], dir);
/** Errors as a person sees them (with --json they come as JSON). */
const plain = (...args: string[]) => runOrbis(['tokenize', ...args], dir);

/** The CLI failed with one line naming the problem. */
function failsWith(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

for (const [model, dtype, shape] of [
  ['tiny-cv', 'float16', '(5, 16, 4, 8)'],
  ['tiny-dv', 'uint16', '(5, 4, 8)'],
] as const) {
  test(`${model}: encode writes ${dtype} [T', ...] numpy can read, pads the last chunk and says so; decode gives the frames back`, async () => {
    const out = join(dir, `${model}.npy`);
    const r = await orbis('encode', video, '--model', model, '--out', out, '--frames', '11', '--chunk', '9');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { frames: number; padded: number; size: string; dtype: string };
    assert.deepEqual([summary.frames, summary.padded, summary.size, summary.dtype], [11, 3, '64x32', dtype]);
    const human = await runOrbis(
      ['tokenize', 'encode', video, '--model', model, '--out', out, '--frames', '11', '--chunk', '9'],
      dir,
    );
    assert.match(
      human.stdout,
      /last chunk was padded with 3 copies of its last frame .* decoding drops them again/,
    );
    // 11 frames in chunks of 9: 9 -> 3 latent frames, 2 (padded to 5) -> 2.
    const numpy = execFileSync(
      TORCH_PYTHON,
      ['-c', 'import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape)', out],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(numpy.trim(), `${dtype} ${shape}`);
    const sidecar = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as {
      model: { name: string };
      frames: number;
    };
    assert.equal(sidecar.model.name, model);
    const back = join(dir, `${model}.mp4`);
    const d = await orbis('decode', out, '--model', model, '--out', back);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(ffprobeFrameTimes(back).length, 11);
  });
}

test('a video smaller than the patch, and a chunk the causal grouping cannot take, are refused clearly', async () => {
  const tiny = join(dir, 'tiny.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=6x6:rate=24', '-frames:v', '5', '-pix_fmt', 'yuv420p', tiny);
  failsWith(
    await plain('encode', tiny, '--model', 'tiny-cv', '--out', join(dir, 'x.npy')),
    /^orbis: INVALID_ARGUMENT: .*tiny\.mp4 is 6x6, smaller than the 8x8 patch of tiny-cv; give --size 8x8 to scale it up/,
  );
  failsWith(
    await plain('encode', video, '--model', 'tiny-cv', '--out', join(dir, 'x.npy'), '--chunk', '10'),
    /--chunk must be 1 \+ 4k frames, not 10; use --chunk 13/,
  );
  failsWith(
    await plain('encode', video, '--model', 'tiny-cv', '--out', join(dir, 'x.npy'), '--size', '60x32'),
    /frames of 60x32 do not tile into this model's 8x8 patches; resize to a multiple of 8/,
  );
});

test('tokens of another model, a truncated file, a damaged header or sidecar, and bad tokens are refused clearly', async () => {
  const cv = join(dir, 'tiny-cv.npy');
  const dv = join(dir, 'tiny-dv.npy');
  const out = join(dir, 'bad.mp4');
  failsWith(
    await plain('decode', cv, '--model', 'tiny-dv', '--out', out),
    /^orbis: MODEL_INPUT_MISMATCH: .*tiny-cv\.npy holds latents of tiny-cv v1, not of tiny-dv v1; decode it with --model tiny-cv\n$/,
  );
  const damaged = (name: string, from: string, damage: (path: string) => void) => {
    const path = join(dir, name);
    copyFileSync(from, path);
    copyFileSync(`${from}.json`, `${path}.json`);
    damage(path);
    return path;
  };
  const truncated = damaged('truncated.npy', cv, (p) => truncateSync(p, readFileSync(p).length - 10));
  failsWith(
    await plain('decode', truncated, '--model', 'tiny-cv', '--out', out),
    /is damaged: it is truncated \(\d+ of \d+ bytes of latents\); encode the video again/,
  );
  const noSidecar = damaged('lonely.npy', dv, (p) => execFileSync('rm', [`${p}.json`]));
  failsWith(
    await plain('decode', noSidecar, '--model', 'tiny-dv', '--out', out),
    /has no sidecar .*lonely\.npy\.json/,
  );
  const badJson = damaged('badjson.npy', dv, (p) => writeFileSync(`${p}.json`, '{"format": "orbis-tok'));
  failsWith(await plain('decode', badJson, '--model', 'tiny-dv', '--out', out), /its sidecar .* is not JSON/);
  const badHeader = damaged('badheader.npy', dv, (p) => {
    const b = readFileSync(p);
    b.write('(9, 4, 8)', b.indexOf('(5, 4, 8)'), 'latin1');
    writeFileSync(p, b);
  });
  failsWith(
    await plain('decode', badHeader, '--model', 'tiny-dv', '--out', out),
    /its \.npy header is not the uint16 \[5, 4, 8\] array its sidecar describes/,
  );
  const badTokens = damaged('badtokens.npy', dv, (p) => {
    const b = readFileSync(p);
    b.writeUInt16LE(65000, 128 + 2 * 100);
    writeFileSync(p, b);
  });
  failsWith(
    await plain('decode', badTokens, '--model', 'tiny-dv', '--out', out),
    /is damaged: chunk 2: token 65000 at position 4 is outside the codebook of 64000/,
  );
});
