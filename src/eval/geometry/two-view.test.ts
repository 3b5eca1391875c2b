import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTwoPlanes } from '../../../test/two-planes.js';
import { detectAndDescribe } from './features.js';
import { angleBetweenDeg, type Mat3, rotationAngleDeg, type Vec3 } from './linalg.js';
import { matchFeatures } from './match.js';
import { twoViewGeometry } from './two-view.js';

const k = { fx: 700, fy: 700, cx: 480, cy: 270 };

function rotationY(degrees: number): Mat3 {
  const a = (degrees * Math.PI) / 180;
  return [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)];
}

test('features match a rotated copy of an image at the right places', () => {
  const image = renderTwoPlanes(k, 320, 240);
  // Rotate by 90 degrees: pixel (x, y) moves to (H-1-y, x).
  const rotated = { width: 240, height: 320, data: new Uint8Array(320 * 240) };
  for (let y = 0; y < 240; y++)
    for (let x = 0; x < 320; x++) rotated.data[x * 240 + (239 - y)] = image.data[y * 320 + x]!;
  const a = detectAndDescribe(image);
  const b = detectAndDescribe(rotated);
  const matches = matchFeatures(a, b);
  assert.ok(matches.length > 50, `${matches.length} matches`);
  const correct = matches.filter((m) => {
    const p = a.keypoints[m.a]!;
    const q = b.keypoints[m.b]!;
    return Math.hypot(q.x - (239 - p.y), q.y - p.x) <= 2;
  }).length;
  assert.ok(correct / matches.length > 0.9, `${correct} of ${matches.length} matches land within 2 px`);
});

test('the full pipeline recovers camera motion within 1 degree and the direction within 2 degrees', () => {
  const r = rotationY(4);
  const t: Vec3 = [-0.5, 0.05, 0.1];
  const a = renderTwoPlanes(k, 960, 540);
  const b = renderTwoPlanes(k, 960, 540, r, t);
  const result = twoViewGeometry(a, b, { intrinsics: k });
  assert.ok(result.success, JSON.stringify({ ...result, pose: undefined }));
  assert.ok(result.inliers > 100, `${result.inliers} inliers of ${result.matches}`);
  assert.ok(result.sampsonError < 1, `Sampson error ${result.sampsonError}`);
  const rotationError = rotationAngleDeg(result.pose!.r, r);
  const directionError = angleBetweenDeg(result.pose!.t, t);
  assert.ok(rotationError < 1, `rotation off by ${rotationError}`);
  assert.ok(directionError < 2, `direction off by ${directionError}`);
});

test('unrelated views fail pose estimation instead of inventing one', () => {
  const a = renderTwoPlanes(k, 480, 270);
  const noise = { width: 480, height: 270, data: new Uint8Array(480 * 270).map((_, i) => (i * 7919) % 251) };
  const result = twoViewGeometry(a, noise, { intrinsics: { fx: 350, fy: 350, cx: 240, cy: 135 } });
  assert.equal(result.success, false);
});
