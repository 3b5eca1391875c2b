import { identityQuat, type Quat, type Vec3 } from '../math3.js';
import type { BodySpec, EffectorSpec, JointSpec, Shape, WorldSpec } from '../world.js';

/** Options every scenario generator receives. */
export interface ScenarioOptions {
  frames: number;
  fps: number;
}

export type BodyInput = Omit<BodySpec, 'id' | 'rotation'> & { rotation?: Quat };

/** Assembles a world: a floor first (id 1), then bodies numbered in the order they are added. */
export class WorldBuilder {
  readonly bodies: BodySpec[] = [];
  readonly joints: JointSpec[] = [];
  effector: EffectorSpec | undefined;
  readonly notes: WorldSpec['notes'] = {};

  constructor(
    readonly scenario: string,
    readonly seed: number,
  ) {
    this.add({
      role: 'floor',
      shape: { kind: 'box', half: [25, 0.1, 25] },
      motion: 'fixed',
      position: [0, -0.1, 0],
      friction: 0.7,
      furniture: true,
    });
  }

  add(body: BodyInput): number {
    const id = this.bodies.length + 1;
    if (id > 255) throw new Error('a world holds at most 255 bodies (masks are 8-bit)');
    this.bodies.push({ ...body, id, rotation: body.rotation ?? identityQuat });
    return id;
  }

  build(focus: Vec3, viewDistance: number): WorldSpec {
    return {
      scenario: this.scenario,
      seed: this.seed,
      bodies: this.bodies,
      joints: this.joints,
      ...(this.effector ? { effector: this.effector } : {}),
      focus,
      viewDistance,
      notes: this.notes,
    };
  }
}

/** Half the height of a shape standing upright (its lowest point below its center). */
export function halfHeightOf(shape: Shape): number {
  switch (shape.kind) {
    case 'box':
    case 'ramp':
      return shape.half[1];
    case 'sphere':
      return shape.radius;
    case 'cylinder':
      return shape.halfHeight;
    case 'capsule':
      return shape.halfHeight + shape.radius;
  }
}
