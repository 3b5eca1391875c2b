import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Camera, project, worldViews } from './camera.js';
import { makeLook } from './look.js';
import { quatToMatrix, type Vec3 } from './math3.js';
import { GRAVITY, simulate } from './physics.js';
import { renderView } from './render-rollout.js';
import { findScenario } from './scenarios/index.js';
import { poseOf, type Rollout } from './world.js';

const SIZE = 64;

async function rolloutOf(scenario: string, seed: number, frames = 24): Promise<Rollout> {
  const world = findScenario(scenario)!.generate(seed, { frames, fps: 24 });
  return simulate(world, frames, 24);
}

/** The world point seen at pixel p, from its depth (camera z) and the camera. */
function backProject(camera: Camera, x: number, y: number, z: number): Vec3 {
  const a = ((x + 0.5 - camera.cx) / camera.fx) * z;
  const b = ((y + 0.5 - camera.cy) / camera.fy) * z;
  const r = camera.rotation;
  return [
    camera.position[0] + r[0]! * a + r[3]! * b + r[6]! * z,
    camera.position[1] + r[1]! * a + r[4]! * b + r[7]! * z,
    camera.position[2] + r[2]! * a + r[5]! * b + r[8]! * z,
  ];
}

test('object poses projected through each camera land on their own mask ids, unless something nearer hides them', async () => {
  let checked = 0;
  let hidden = 0;
  for (const [scenario, seed] of [
    ['free-fall', 3],
    ['stable-stack', 1],
    ['mix', 2],
    ['push', 0],
  ] as const) {
    const rollout = await rolloutOf(scenario, seed, 16);
    const cameras = worldViews(rollout.world, SIZE, SIZE);
    for (const camera of cameras) {
      const video = renderView(rollout, makeLook(rollout.world, 0), camera);
      for (const f of [0, 8, 15]) {
        for (const [i, body] of rollout.world.bodies.entries()) {
          if (body.furniture) continue;
          const { position } = poseOf(rollout, f, i);
          const { u, v, z } = project(camera, position);
          const x = Math.floor(u);
          const y = Math.floor(v);
          if (x < 0 || y < 0 || x >= SIZE || y >= SIZE) continue;
          const p = f * SIZE * SIZE + y * SIZE + x;
          const id = video.mask[p]!;
          if (id === body.id) checked++;
          else {
            // Something else is seen there: it must be nearer than this body's center.
            assert.ok(
              video.depth[p]! > 0 && video.depth[p]! < z,
              `${scenario} body ${body.id} frame ${f}: saw ${id} behind it`,
            );
            hidden++;
          }
        }
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} centers were visible`);
  assert.ok(hidden < checked / 3, `${hidden} hidden against ${checked} visible`);
});

test('depth agrees with the geometry: floor pixels lie on y = 0, box pixels on their box, ball pixels on their sphere', async () => {
  for (const scenario of ['stable-stack', 'free-fall']) {
    const rollout = await rolloutOf(scenario, 1, 12);
    const camera = worldViews(rollout.world, SIZE, SIZE)[1]!;
    const video = renderView(rollout, makeLook(rollout.world, 0), camera);
    const f = 11;
    let floor = 0;
    let solids = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const p = f * SIZE * SIZE + y * SIZE + x;
        const id = video.mask[p]!;
        const z = video.depth[p]!;
        if (id === 0) {
          assert.equal(z, 0);
          continue;
        }
        const point = backProject(camera, x, y, z);
        const i = id - 1;
        const body = rollout.world.bodies[i]!;
        const { position, rotation } = poseOf(rollout, f, i);
        const m = quatToMatrix(rotation);
        const d = [point[0] - position[0], point[1] - position[1], point[2] - position[2]];
        const local = [0, 1, 2].map((k) => m[k]! * d[0]! + m[k + 3]! * d[1]! + m[k + 6]! * d[2]!);
        if (body.role === 'floor') {
          assert.ok(Math.abs(point[1]) < 1e-4 * z + 1e-5, `floor point at height ${point[1]}`);
          floor++;
        } else if (body.shape.kind === 'box') {
          const half = body.shape.half;
          const extent = Math.max(...local.map((c, k) => Math.abs(c) / half[k]!));
          assert.ok(Math.abs(extent - 1) < 2e-3, `box point at ${extent} of its half size`);
          solids++;
        } else if (body.shape.kind === 'sphere') {
          // The sphere is drawn as a mesh of 18-degree facets: a facet's middle lies cos(9°)^2 = 0.9755 of the
          // radius from the center, its corners on the sphere.
          const r = Math.hypot(local[0]!, local[1]!, local[2]!) / body.shape.radius;
          assert.ok(r > 0.975 && r < 1.001, `sphere point at ${r} of its radius`);
          solids++;
        }
      }
    }
    assert.ok(floor > 1000 && solids > 20, `${scenario}: ${floor} floor and ${solids} object pixels checked`);
  }
});

test('a free-falling ball follows y0 - g t^2 / 2 within 2% of the drop until it touches the floor', async () => {
  for (const seed of [0, 1, 2]) {
    const rollout = await rolloutOf('free-fall', seed, 24);
    const ball = rollout.world.bodies.findIndex((b) => b.role === 'ball');
    const id = rollout.world.bodies[ball]!.id;
    const contact = rollout.contacts.find((c) => c.a === id || c.b === id)?.frame ?? rollout.frames;
    const y0 = poseOf(rollout, 0, ball).position[1];
    let checked = 0;
    // Rapier integrates with a step of 1/240 s; its O(dt) offset is under 2% from t = 0.125 s on.
    for (let f = 3; f < contact - 1; f++) {
      const t = f / rollout.fps;
      const drop = y0 - poseOf(rollout, f, ball).position[1];
      const expected = 0.5 * GRAVITY * t * t;
      assert.ok(
        Math.abs(drop - expected) <= 0.02 * expected,
        `seed ${seed} frame ${f}: drop ${drop}, expected ${expected}`,
      );
      checked++;
    }
    assert.ok(checked >= 5, `seed ${seed}: only ${checked} frames before contact`);
  }
});
