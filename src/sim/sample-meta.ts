import { z } from 'zod';

/**
 * The `<key>.json` / `sample.json` of every generated sample: one view of one rollout in one look. Its
 * JSON Schema (`orbis sim schema`, docs/sim-sample.schema.json) is generated from this definition.
 */

const vec = (n: number) => z.array(z.number()).length(n);

export const channelSchema = z.object({
  file: z.string().describe('member or file name holding the array (.npy, maybe gzip-compressed)'),
  dtype: z.enum(['uint8', 'float32']),
  shape: z.array(z.number().int()),
  description: z.string(),
});

export const sampleMetaSchema = z
  .object({
    key: z.string().describe('sample key: <scenario>-s<seed>-v<view>-l<look>'),
    scenario: z.string(),
    seed: z.number().int().min(0),
    view: z.number().int().min(0).describe('camera view index, 0-3'),
    look: z.number().int().min(0).describe('appearance index: the same rollout renders in many looks'),
    fps: z.number().positive(),
    frames: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    units: z.literal('meters, seconds, radians; world y is up'),
    cameras: z
      .object({
        convention: z.literal(
          'opencv: x right, y down, z forward; x_cam = R x_world + t; pixel centers at (u+0.5, v+0.5)',
        ),
        K: z.array(vec(9)).describe('per frame: intrinsics, 3x3 row-major'),
        Rt: z.array(vec(12)).describe('per frame: extrinsics [R | t], 3x4 row-major, world to camera'),
      })
      .describe('per-frame camera; the scenario cameras are static, so every frame repeats the first'),
    bodies: z.array(
      z.object({
        id: z.number().int().min(1).max(255).describe('instance id in the mask channel (0 is the sky)'),
        role: z.string(),
        motion: z.enum(['dynamic', 'fixed', 'kinematic']),
        shape: z
          .record(z.string(), z.unknown())
          .describe('kind plus half extents / radius / halfHeight, meters'),
        furniture: z.boolean(),
        color: z.string().describe('the color name captions use in this look'),
        pattern: z.enum(['solid', 'checker', 'stripes', 'noise']),
      }),
    ),
    poses: z.array(z.array(vec(7))).describe('per frame, per body: x, y, z, qx, qy, qz, qw (world)'),
    actions: z
      .array(vec(7))
      .nullable()
      .describe(
        'push only, per frame: dx, dy, dz, droll, dpitch, dyaw, gripper (frame 0 holds the start opening)',
      ),
    policy: z.enum(['scripted', 'random']).nullable(),
    contacts: z.array(z.object({ frame: z.number().int(), a: z.number().int(), b: z.number().int() })),
    facts: z.record(z.string(), z.unknown()).describe('structured answers for physical QA (see docs/sim.md)'),
    caption: z.string(),
    light: z.object({ direction: vec(3), intensity: z.number(), ambient: z.number() }),
    channels: z.record(z.string(), channelSchema),
  })
  .describe('Orbis sim sample: one view of one simulated rollout in one look');

export type SampleMeta = z.infer<typeof sampleMetaSchema>;

export function sampleJsonSchema(): unknown {
  return z.toJSONSchema(sampleMetaSchema);
}
