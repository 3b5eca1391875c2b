import { invalid } from '../image.js';
import { seededRandom } from './ransac.js';

/**
 * ORB-style features (Rublee et al. 2011), single scale: FAST-9 corners ranked by the Harris response,
 * oriented by the intensity centroid, described by 256 binary tests between 5x5 box means on a rotated
 * pattern. Good for matching consecutive video frames; use more scales for large zoom changes.
 */

export interface Keypoint {
  x: number;
  y: number;
  /** Orientation in radians. */
  angle: number;
  response: number;
}

export interface Features {
  keypoints: Keypoint[];
  /** 256-bit descriptors, 8 words per keypoint. */
  descriptors: Uint32Array;
}

export interface FeatureOptions {
  /** Keep at most this many keypoints, strongest first (default 1000). */
  maxFeatures?: number;
  /** FAST intensity threshold (default 20). */
  fastThreshold?: number;
}

/** A gray image: one byte per pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const PATCH_RADIUS = 15;
const BORDER = PATCH_RADIUS + 4;
const CIRCLE: [number, number][] = [
  [0, -3],
  [1, -3],
  [2, -2],
  [3, -1],
  [3, 0],
  [3, 1],
  [2, 2],
  [1, 3],
  [0, 3],
  [-1, 3],
  [-2, 2],
  [-3, 1],
  [-3, 0],
  [-3, -1],
  [-2, -2],
  [-1, -3],
];

/** The 256 test pairs: Gaussian around the centre (sigma = patch/5), clipped so 5x5 boxes stay in the patch. */
const PATTERN: Int8Array = (() => {
  const random = seededRandom(0x0b1f);
  const gaussian = (): number => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const out = new Int8Array(256 * 4);
  const limit = PATCH_RADIUS - 3;
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.max(-limit, Math.min(limit, Math.round(gaussian() * (31 / 5))));
  }
  return out;
})();

export function detectAndDescribe(image: GrayImage, options: FeatureOptions = {}): Features {
  const { width, height, data } = image;
  if (data.length !== width * height)
    throw invalid(`a ${width}x${height} gray image needs ${width * height} bytes`);
  if (width < 2 * BORDER + 1 || height < 2 * BORDER + 1)
    return { keypoints: [], descriptors: new Uint32Array(0) };
  const threshold = options.fastThreshold ?? 20;
  const max = options.maxFeatures ?? 1000;
  const offsets = CIRCLE.map(([dx, dy]) => dy * width + dx);

  // FAST-9 with a score (sum of differences beyond the threshold), then 3x3 non-maximum suppression.
  const score = new Float32Array(width * height);
  for (let y = BORDER; y < height - BORDER; y++) {
    for (let x = BORDER; x < width - BORDER; x++) {
      const i = y * width + x;
      const p = data[i]!;
      const hi = p + threshold;
      const lo = p - threshold;
      // Quick rejection on the four compass points: a 9-arc needs at least two of them.
      const a = data[i + offsets[0]!]!;
      const b = data[i + offsets[4]!]!;
      const c = data[i + offsets[8]!]!;
      const d = data[i + offsets[12]!]!;
      const brighter = +(a > hi) + +(b > hi) + +(c > hi) + +(d > hi);
      const darker = +(a < lo) + +(b < lo) + +(c < lo) + +(d < lo);
      if (brighter < 2 && darker < 2) continue;
      score[i] = fastScore(data, i, offsets, hi, lo);
    }
  }
  const candidates: Keypoint[] = [];
  for (let y = BORDER; y < height - BORDER; y++) {
    for (let x = BORDER; x < width - BORDER; x++) {
      const i = y * width + x;
      const s = score[i]!;
      if (s === 0) continue;
      if (
        s < score[i - 1]! ||
        s <= score[i + 1]! ||
        s < score[i - width]! ||
        s <= score[i + width]! ||
        s < score[i - width - 1]! ||
        s < score[i - width + 1]! ||
        s <= score[i + width - 1]! ||
        s <= score[i + width + 1]!
      )
        continue;
      candidates.push({ x, y, angle: 0, response: harris(data, width, x, y) });
    }
  }
  candidates.sort((p, q) => q.response - p.response);
  const keypoints = candidates.slice(0, max);

  const integral = integralImage(data, width, height);
  const descriptors = new Uint32Array(keypoints.length * 8);
  for (const [k, kp] of keypoints.entries()) {
    kp.angle = centroidAngle(data, width, kp.x, kp.y);
    describe(integral, width + 1, kp, descriptors, k * 8);
  }
  return { keypoints, descriptors };
}

function fastScore(data: Uint8Array, i: number, offsets: number[], hi: number, lo: number): number {
  // The longest run (wrapping) of brighter or of darker circle pixels must reach 9.
  let runB = 0;
  let runD = 0;
  let bestB = 0;
  let bestD = 0;
  let sum = 0;
  for (let k = 0; k < 25; k++) {
    const v = data[i + offsets[k % 16]!]!;
    if (v > hi) {
      runB++;
      runD = 0;
      if (k < 16) sum += v - hi;
    } else if (v < lo) {
      runD++;
      runB = 0;
      if (k < 16) sum += lo - v;
    } else {
      runB = 0;
      runD = 0;
    }
    if (runB > bestB) bestB = runB;
    if (runD > bestD) bestD = runD;
  }
  return bestB >= 9 || bestD >= 9 ? sum : 0;
}

/** Harris corner response over a 7x7 window, k = 0.04. */
function harris(data: Uint8Array, width: number, x: number, y: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  for (let dy = -3; dy <= 3; dy++) {
    for (let dx = -3; dx <= 3; dx++) {
      const i = (y + dy) * width + x + dx;
      const ix = data[i + 1]! - data[i - 1]!;
      const iy = data[i + width]! - data[i - width]!;
      a += ix * ix;
      b += iy * iy;
      c += ix * iy;
    }
  }
  return a * b - c * c - 0.04 * (a + b) ** 2;
}

function centroidAngle(data: Uint8Array, width: number, x: number, y: number): number {
  let m01 = 0;
  let m10 = 0;
  const r2 = PATCH_RADIUS * PATCH_RADIUS;
  for (let dy = -PATCH_RADIUS; dy <= PATCH_RADIUS; dy++) {
    for (let dx = -PATCH_RADIUS; dx <= PATCH_RADIUS; dx++) {
      if (dx * dx + dy * dy > r2) continue;
      const v = data[(y + dy) * width + x + dx]!;
      m10 += dx * v;
      m01 += dy * v;
    }
  }
  return Math.atan2(m01, m10);
}

function integralImage(data: Uint8Array, width: number, height: number): Float64Array {
  const w = width + 1;
  const out = new Float64Array(w * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += data[y * width + x]!;
      out[(y + 1) * w + x + 1] = out[y * w + x + 1]! + row;
    }
  }
  return out;
}

function boxSum(integral: Float64Array, w: number, x: number, y: number): number {
  // Sum over the 5x5 box centred on (x, y).
  const x0 = x - 2;
  const y0 = y - 2;
  const x1 = x + 3;
  const y1 = y + 3;
  return integral[y1 * w + x1]! - integral[y0 * w + x1]! - integral[y1 * w + x0]! + integral[y0 * w + x0]!;
}

function describe(integral: Float64Array, w: number, kp: Keypoint, out: Uint32Array, at: number): void {
  const cos = Math.cos(kp.angle);
  const sin = Math.sin(kp.angle);
  for (let bit = 0; bit < 256; bit++) {
    const p = bit * 4;
    const ax = PATTERN[p]!;
    const ay = PATTERN[p + 1]!;
    const bx = PATTERN[p + 2]!;
    const by = PATTERN[p + 3]!;
    const a = boxSum(
      integral,
      w,
      kp.x + Math.round(ax * cos - ay * sin),
      kp.y + Math.round(ax * sin + ay * cos),
    );
    const b = boxSum(
      integral,
      w,
      kp.x + Math.round(bx * cos - by * sin),
      kp.y + Math.round(bx * sin + by * cos),
    );
    if (a < b) out[at + (bit >> 5)]! |= 1 << (bit & 31);
  }
}
