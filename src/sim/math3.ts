/** Small 3D vector and quaternion helpers on plain tuples; y is up, units are meters and seconds. */

export type Vec3 = [number, number, number];
/** A unit quaternion [x, y, z, w], as Rapier reports rotations. */
export type Quat = [number, number, number, number];
/** A 3x3 matrix, row-major. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export const identityQuat: Quat = [0, 0, 0, 1];

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function length(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

export function normalize(a: Vec3): Vec3 {
  const n = length(a) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** The rotation by `angle` radians about the unit `axis`. */
export function axisAngle(axis: Vec3, angle: number): Quat {
  const [x, y, z] = normalize(axis);
  const s = Math.sin(angle / 2);
  return [x * s, y * s, z * s, Math.cos(angle / 2)];
}

/** a then b applied after: the rotation q = b * a. */
export function mulQuat(b: Quat, a: Quat): Quat {
  const [bx, by, bz, bw] = b;
  const [ax, ay, az, aw] = a;
  return [
    bw * ax + bx * aw + by * az - bz * ay,
    bw * ay - bx * az + by * aw + bz * ax,
    bw * az + bx * ay - by * ax + bz * aw,
    bw * aw - bx * ax - by * ay - bz * az,
  ];
}

/** Roll (x), pitch (y), yaw (z) in radians, applied in that order, as a quaternion. */
export function fromEuler(roll: number, pitch: number, yaw: number): Quat {
  return mulQuat(axisAngle([0, 0, 1], yaw), mulQuat(axisAngle([0, 1, 0], pitch), axisAngle([1, 0, 0], roll)));
}

/** The 3x3 rotation matrix of q, row-major. */
export function quatToMatrix(q: Quat): number[] {
  const [x, y, z, w] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

export function rotate(q: Quat, v: Vec3): Vec3 {
  const m = quatToMatrix(q);
  return [
    m[0]! * v[0] + m[1]! * v[1] + m[2]! * v[2],
    m[3]! * v[0] + m[4]! * v[1] + m[5]! * v[2],
    m[6]! * v[0] + m[7]! * v[1] + m[8]! * v[2],
  ];
}
