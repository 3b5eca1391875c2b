import assert from 'node:assert/strict';
import { test } from 'node:test';
import { worldViews } from './camera.js';
import { makeLook } from './look.js';
import { simulate } from './physics.js';
import { renderView } from './render-rollout.js';
import { findScenario } from './scenarios/index.js';

test('one rollout in two looks: RGB changes, masks, depth, edges and normals do not', async () => {
  for (const scenario of ['seesaw', 'push']) {
    const world = findScenario(scenario)!.generate(3, { frames: 8, fps: 24 });
    const rollout = await simulate(world, 8, 24);
    const camera = worldViews(world, 64, 64)[2]!;
    const a = renderView(rollout, makeLook(world, 0), camera);
    const b = renderView(rollout, makeLook(world, 1), camera);
    let changed = 0;
    for (let i = 0; i < a.rgb.length; i++) if (Math.abs(a.rgb[i]! - b.rgb[i]!) > 8) changed++;
    assert.ok(
      changed > a.rgb.length / 4,
      `${scenario}: only ${changed} of ${a.rgb.length} color samples changed`,
    );
    assert.deepEqual(a.mask, b.mask);
    assert.deepEqual(a.depth, b.depth);
    assert.deepEqual(a.edges, b.edges);
    assert.deepEqual(a.normals, b.normals);
    assert.ok(
      a.mask.some((id) => id > 1),
      'objects are in view',
    );
  }
});

test('masks stay exact while RGB is anti-aliased: mask values are body ids only, RGB has blended edge pixels', async () => {
  const world = findScenario('stable-stack')!.generate(0, { frames: 2, fps: 24 });
  const rollout = await simulate(world, 2, 24);
  const video = renderView(rollout, makeLook(world, 0), worldViews(world, 64, 64)[0]!);
  const ids = new Set([0, ...world.bodies.map((b) => b.id)]);
  assert.ok(video.mask.every((id) => ids.has(id)));
  // Where the mask changes between neighbors, AA gives colors that are neither side's exact color.
  let blended = 0;
  for (let p = 1; p + 1 < 64 * 64; p++) {
    if (video.mask[p - 1] !== video.mask[p + 1]) {
      const mid = video.rgb[3 * p]!;
      const l = video.rgb[3 * (p - 1)]!;
      const r = video.rgb[3 * (p + 1)]!;
      if (mid > Math.min(l, r) + 2 && mid < Math.max(l, r) - 2) blended++;
    }
  }
  assert.ok(blended > 10, `only ${blended} blended edge pixels`);
});
