/**
 * The little dense linear algebra that two-view geometry needs: 3x3 matrices (row-major arrays of 9),
 * symmetric eigen-decomposition by cyclic Jacobi rotations, and a 3x3 SVD built on it.
 */

export type Mat3 = number[];
export type Vec3 = [number, number, number];

export function mul3(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
    }
  }
  return out;
}

export function transpose3(a: Mat3): Mat3 {
  return [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
}

export function mulVec3(a: Mat3, v: Vec3): Vec3 {
  return [
    a[0]! * v[0] + a[1]! * v[1] + a[2]! * v[2],
    a[3]! * v[0] + a[4]! * v[1] + a[5]! * v[2],
    a[6]! * v[0] + a[7]! * v[1] + a[8]! * v[2],
  ];
}

export function det3(a: Mat3): number {
  return (
    a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) -
    a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) +
    a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!)
  );
}

export function diag3(d: Vec3): Mat3 {
  return [d[0], 0, 0, 0, d[1], 0, 0, 0, d[2]];
}

export function frobenius(a: readonly number[]): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major). Returns eigenvalues in descending order and
 * the matching eigenvectors as columns of `vectors` (row-major n x n).
 */
export function symmetricEigen(
  matrix: readonly number[],
  n: number,
): { values: number[]; vectors: number[] } {
  const a = [...matrix];
  const v = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = order.map((i) => a[i * n + i]!);
  const vectors = new Array<number>(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vectors[r * n + c] = v[r * n + order[c]!]!;
  return { values, vectors };
}

/** The eigenvector of the smallest eigenvalue: the least-squares null vector of A for A^T A. */
export function smallestEigenvector(ata: readonly number[], n: number): number[] {
  const { vectors } = symmetricEigen(ata, n);
  return Array.from({ length: n }, (_, r) => vectors[r * n + (n - 1)]!);
}

/** SVD of a 3x3 matrix: a = U diag(s) V^T with s descending, U and V orthonormal (det may be -1). */
export function svd3(a: Mat3): { u: Mat3; s: Vec3; v: Mat3 } {
  const { values, vectors: v } = symmetricEigen(mul3(transpose3(a), a), 3);
  const s: Vec3 = [
    Math.sqrt(Math.max(0, values[0]!)),
    Math.sqrt(Math.max(0, values[1]!)),
    Math.sqrt(Math.max(0, values[2]!)),
  ];
  // U from A V, made orthonormal: u0 = A v0 / |.|, u1 = A v1 minus its u0 part, u2 = u0 x u1 (signed to
  // follow A v2 when that column is not negligible). This stays exact when singular values repeat or vanish.
  const av = mul3(a, v);
  const column = (c: number): Vec3 => [av[c]!, av[3 + c]!, av[6 + c]!];
  const tiny = 1e-12 * (s[0] || 1);
  const u0: Vec3 = s[0] > tiny ? normalize(column(0)) : [1, 0, 0];
  let u1: Vec3;
  if (s[1] > tiny) {
    const c1 = column(1);
    const d = c1[0] * u0[0] + c1[1] * u0[1] + c1[2] * u0[2];
    u1 = normalize([c1[0] - d * u0[0], c1[1] - d * u0[1], c1[2] - d * u0[2]]);
  } else {
    u1 = normalize(cross(u0, Math.abs(u0[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0]));
  }
  let u2 = cross(u0, u1);
  if (s[2] > 1e-6 * (s[0] || 1)) {
    const c2 = column(2);
    if (c2[0] * u2[0] + c2[1] * u2[1] + c2[2] * u2[2] < 0) u2 = [-u2[0], -u2[1], -u2[2]];
  }
  const cols = [u0, u1, u2];
  const u: Mat3 = [
    cols[0]![0],
    cols[1]![0],
    cols[2]![0],
    cols[0]![1],
    cols[1]![1],
    cols[2]![1],
    cols[0]![2],
    cols[1]![2],
    cols[2]![2],
  ];
  return { u, s, v };
}

/** Rotation angle (degrees) of R_a^T R_b. */
export function rotationAngleDeg(a: Mat3, b: Mat3): number {
  const r = mul3(transpose3(a), b);
  const cos = Math.min(1, Math.max(-1, (r[0]! + r[4]! + r[8]! - 1) / 2));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** Angle between two directions (degrees), ignoring sign when `unsigned`. */
export function angleBetweenDeg(a: Vec3, b: Vec3, unsigned = false): number {
  const na = normalize(a);
  const nb = normalize(b);
  let dot = na[0] * nb[0] + na[1] * nb[1] + na[2] * nb[2];
  if (unsigned) dot = Math.abs(dot);
  return (Math.acos(Math.min(1, Math.max(-1, dot))) * 180) / Math.PI;
}
