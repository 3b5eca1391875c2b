import assert from 'node:assert/strict';
import { test } from 'node:test';
import { det3, diag3, type Mat3, mul3, svd3, symmetricEigen, transpose3 } from './linalg.js';

function close(a: readonly number[], b: readonly number[], tol = 1e-9): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

test('svd3 reconstructs matrices, including repeated and vanishing singular values, with orthonormal U and V', () => {
  const rot: Mat3 = [0.36, 0.48, -0.8, -0.8, 0.6, 0, 0.48, 0.64, 0.6];
  const cases: Mat3[] = [
    [2, -1, 0.5, 0.3, 4, 1, -2, 0.1, 3],
    mul3(mul3(rot, diag3([3, 3, 0])), transpose3(rot)), // an essential-like matrix
    mul3(mul3(rot, diag3([5, 0, 0])), rot), // rank 1
  ];
  for (const a of cases) {
    const { u, s, v } = svd3(a);
    // Singular values come from eigenvalues of A^T A, so ones below sqrt(eps) s0 carry ~1e-8 noise.
    assert.ok(close(mul3(mul3(u, diag3(s)), transpose3(v)), a, 1e-7), `reconstruction of ${a}`);
    assert.ok(close(mul3(transpose3(u), u), [1, 0, 0, 0, 1, 0, 0, 0, 1]), 'U orthonormal');
    assert.ok(close(mul3(transpose3(v), v), [1, 0, 0, 0, 1, 0, 0, 0, 1]), 'V orthonormal');
    assert.ok(s[0] >= s[1] && s[1] >= s[2] && s[2] >= 0);
    assert.ok(Math.abs(Math.abs(det3(u)) - 1) < 1e-9);
  }
});

test('symmetricEigen returns descending eigenvalues and eigenvectors that satisfy A v = lambda v', () => {
  const a = [4, 1, 2, 1, 3, 0, 2, 0, 5];
  const { values, vectors } = symmetricEigen(a, 3);
  assert.ok(values[0]! >= values[1]! && values[1]! >= values[2]!);
  for (let c = 0; c < 3; c++) {
    const v = [vectors[c]!, vectors[3 + c]!, vectors[6 + c]!];
    const av = [0, 1, 2].map((r) => a[r * 3]! * v[0]! + a[r * 3 + 1]! * v[1]! + a[r * 3 + 2]! * v[2]!);
    assert.ok(
      close(
        av,
        v.map((x) => x * values[c]!),
      ),
    );
  }
});
