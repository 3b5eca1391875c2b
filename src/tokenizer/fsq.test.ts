import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { fsqOf, indicesToValues, valuesToIndices } from './fsq.js';
import { TORCH_PYTHON } from './testing.js';

test('every one of the 64000 FSQ tokens survives values and back; out-of-codebook tokens are refused', () => {
  const fsq = fsqOf([8, 8, 8, 5, 5, 5]);
  assert.equal(fsq.codebookSize, 64000);
  assert.deepEqual(fsq.basis, [1, 8, 64, 512, 2560, 12800]);
  const all = Uint16Array.from({ length: 64000 }, (_, i) => i);
  const values = indicesToValues(fsq, all, [1, 1, 1, 64000]);
  assert.ok(values.every((v) => v >= -1 && v <= 1));
  // Values as a runtime gives them, a little off the exact levels, still map to the same token.
  const noisy = values.map((v, i) => v + (i % 2 ? 1e-5 : -1e-5));
  assert.deepEqual(valuesToIndices(fsq, noisy, [1, 6, 1, 1, 64000]), all);
  assert.throws(
    () => indicesToValues(fsq, Uint16Array.of(64000), [1, 1, 1, 1]),
    /token 64000 at position 0 is outside the codebook of 64000/,
  );
});

test('float16 conversion matches numpy bit for bit (normals, subnormals, ties, overflow)', () => {
  const probes = [
    0,
    -0,
    1,
    -1,
    0.1,
    1 / 3,
    65504,
    65520,
    1e6,
    -1e6,
    6.1e-5,
    5.96e-8,
    2.98e-8,
    1e-9,
    1.00048828125,
    2049,
    2051,
    Math.PI,
  ];
  const random = Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 12) - 8));
  const xs = Float32Array.from([...probes, ...random]);
  const numpy = execFileSync(
    TORCH_PYTHON,
    [
      '-c',
      'import sys, numpy as np; print(" ".join(str(int(b)) for b in np.array([float(v) for v in sys.argv[1:]], dtype=np.float32).astype(np.float16).view(np.uint16)))',
      ...[...xs].map((v) => (Object.is(v, -0) ? '-0.0' : String(v))),
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split(' ')
    .map(Number);
  assert.deepEqual([...float32ToFloat16(xs)], numpy);
  const back = float16ToFloat32(Uint16Array.from(numpy));
  xs.forEach((x, i) => {
    if (Math.abs(x) < 65504)
      assert.ok(Math.abs(back[i]! - x) <= Math.max(Math.abs(x) * 2 ** -11, 2 ** -25), `${x}`);
  });
});
