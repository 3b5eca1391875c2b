import RAPIER from '@dimforge/rapier3d-compat';
import { add, fromEuler, mulQuat, type Quat, rotate, type Vec3 } from './math3.js';
import { rampVertices } from './mesh.js';
import {
  ACTION_SIZE,
  type BodySpec,
  type Contact,
  POSE_SIZE,
  type Rollout,
  type WorldSpec,
} from './world.js';

/** Physics steps per second: each video frame is split into as many substeps as this allows. */
export const PHYSICS_RATE = 240;
export const GRAVITY = 9.81;

let ready: Promise<void> | undefined;

/** Load Rapier's WebAssembly (inlined in the package, so bundles carry it) once per thread. */
export function initPhysics(): Promise<void> {
  ready ??= RAPIER.init();
  return ready;
}

function colliderFor(body: BodySpec): RAPIER.ColliderDesc {
  const s = body.shape;
  switch (s.kind) {
    case 'box':
      return RAPIER.ColliderDesc.cuboid(s.half[0], s.half[1], s.half[2]);
    case 'sphere':
      return RAPIER.ColliderDesc.ball(s.radius);
    case 'cylinder':
      return RAPIER.ColliderDesc.cylinder(s.halfHeight, s.radius);
    case 'capsule':
      return RAPIER.ColliderDesc.capsule(s.halfHeight, s.radius);
    case 'ramp': {
      const hull = RAPIER.ColliderDesc.convexHull(new Float32Array(rampVertices(s.half).flat()));
      if (!hull) throw new Error('ramp hull could not be built');
      return hull;
    }
  }
}

function bodyDesc(body: BodySpec): RAPIER.RigidBodyDesc {
  const desc =
    body.motion === 'dynamic'
      ? RAPIER.RigidBodyDesc.dynamic()
      : body.motion === 'kinematic'
        ? RAPIER.RigidBodyDesc.kinematicPositionBased()
        : RAPIER.RigidBodyDesc.fixed();
  const [x, y, z] = body.position;
  const [qx, qy, qz, qw] = body.rotation;
  desc.setTranslation(x, y, z).setRotation({ x: qx, y: qy, z: qz, w: qw });
  if (body.linvel) desc.setLinvel(...body.linvel);
  if (body.angvel) desc.setAngvel({ x: body.angvel[0], y: body.angvel[1], z: body.angvel[2] });
  if (body.role === 'top') desc.setCanSleep(false);
  return desc;
}

/** Simulate `world` for `frames` frames at `fps`, recording every body's pose at each frame (frame 0 = start). */
export async function simulate(world: WorldSpec, frames: number, fps: number): Promise<Rollout> {
  await initPhysics();
  const substeps = Math.max(1, Math.ceil(PHYSICS_RATE / fps));
  const sim = new RAPIER.World({ x: 0, y: -GRAVITY, z: 0 });
  sim.timestep = 1 / (fps * substeps);
  const events = new RAPIER.EventQueue(true);
  try {
    const handles: RAPIER.RigidBody[] = [];
    const bodyOfCollider = new Map<number, number>();
    for (const spec of world.bodies) {
      const body = sim.createRigidBody(bodyDesc(spec));
      const collider = colliderFor(spec)
        .setDensity(spec.density ?? 500)
        .setFriction(spec.friction ?? 0.6)
        .setRestitution(spec.restitution ?? 0.1)
        .setActiveEvents(RAPIER.ActiveEvents.COLLISION_EVENTS);
      const created = sim.createCollider(collider, body);
      bodyOfCollider.set(created.handle, spec.id);
      handles.push(body);
    }
    const index = new Map(world.bodies.map((b, i) => [b.id, i]));
    for (const joint of world.joints) {
      const data = RAPIER.JointData.revolute(
        toVector(joint.anchorA),
        toVector(joint.anchorB),
        toVector(joint.axis),
      );
      const created = sim.createImpulseJoint(
        data,
        handles[index.get(joint.a)!]!,
        handles[index.get(joint.b)!]!,
        true,
      );
      created.setContactsEnabled(false);
    }

    const count = world.bodies.length;
    const poses = new Float32Array(frames * count * POSE_SIZE);
    const record = (frame: number): void => {
      for (let i = 0; i < count; i++) {
        const t = handles[i]!.translation();
        const r = handles[i]!.rotation();
        poses.set([t.x, t.y, t.z, r.x, r.y, r.z, r.w], (frame * count + i) * POSE_SIZE);
      }
    };
    const contacts: Contact[] = [];
    const seen = new Set<string>();
    const drive = world.effector ? effectorDriver(world, handles, index) : undefined;

    record(0);
    for (let frame = 1; frame < frames; frame++) {
      for (let s = 1; s <= substeps; s++) {
        drive?.(frame, s / substeps);
        sim.step(events);
        events.drainCollisionEvents((h1, h2, started) => {
          if (!started) return;
          const a = bodyOfCollider.get(h1)!;
          const b = bodyOfCollider.get(h2)!;
          const key = a < b ? `${a}-${b}` : `${b}-${a}`;
          if (seen.has(key)) return;
          seen.add(key);
          contacts.push({ frame, a: Math.min(a, b), b: Math.max(a, b) });
        });
      }
      record(frame);
    }
    const actions = world.effector?.actions.slice(0, frames * ACTION_SIZE);
    return { world, fps, frames, poses, contacts, ...(actions ? { actions } : {}) };
  } finally {
    events.free();
    sim.free();
  }
}

function toVector(v: Vec3): RAPIER.Vector3 {
  return { x: v[0], y: v[1], z: v[2] };
}

/**
 * Moves the end effector: the action of frame f takes the palm from its pose at frame f-1 to its pose at f,
 * in a straight line over the frame's substeps; the fingers follow the palm at the gripper's opening.
 */
function effectorDriver(
  world: WorldSpec,
  handles: RAPIER.RigidBody[],
  index: Map<number, number>,
): (frame: number, fraction: number) => void {
  const effector = world.effector!;
  const palm = world.bodies[index.get(effector.palm)!]!;
  const fingers = effector.fingers.map((id) => handles[index.get(id)!]!);
  const palmHandle = handles[index.get(effector.palm)!]!;
  let position: Vec3 = [...palm.position];
  let rotation: Quat = [...palm.rotation];
  let opening = effector.actions[6] ?? 0;
  let from = { position, rotation, opening };
  let current = 0;
  return (frame, fraction) => {
    if (frame !== current) {
      current = frame;
      from = { position, rotation, opening };
      const a = effector.actions.subarray(frame * ACTION_SIZE, (frame + 1) * ACTION_SIZE);
      position = add(position, [a[0]!, a[1]!, a[2]!]);
      rotation = mulQuat(fromEuler(a[3]!, a[4]!, a[5]!), rotation);
      opening = a[6]!;
    }
    const p: Vec3 = [0, 1, 2].map(
      (k) => from.position[k]! + (position[k]! - from.position[k]!) * fraction,
    ) as Vec3;
    const q = nlerp(from.rotation, rotation, fraction);
    const open = from.opening + (opening - from.opening) * fraction;
    palmHandle.setNextKinematicTranslation(toVector(p));
    palmHandle.setNextKinematicRotation({ x: q[0], y: q[1], z: q[2], w: q[3] });
    const [lo, hi] = effector.fingerSpan;
    const span = lo + (hi - lo) * open;
    for (const [k, finger] of fingers.entries()) {
      const offset = rotate(q, [k === 0 ? -span : span, -0.06, 0]);
      finger.setNextKinematicTranslation(toVector(add(p, offset)));
      finger.setNextKinematicRotation({ x: q[0], y: q[1], z: q[2], w: q[3] });
    }
  };
}

function nlerp(a: Quat, b: Quat, t: number): Quat {
  const sign = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3] < 0 ? -1 : 1;
  const q = a.map((v, k) => v * (1 - t) + sign * b[k]! * t) as Quat;
  const n = Math.hypot(...q);
  return q.map((v) => v / n) as Quat;
}
