import { z } from 'zod';
import { OrbisError } from '../core/index.js';

/**
 * A model's manifest (`manifest.json` beside its files): what it is, what each file holds and how to check
 * it, the tensors each ONNX file takes and gives, and how it was made and how well it does. Training writes
 * it (training/), the runtime checks files and sessions against it, `orbis models info` prints it.
 */
const tensor = z.strictObject({
  name: z.string().min(1),
  dtype: z.enum(['float32', 'float16', 'int64', 'int32', 'uint8', 'bool']),
  /** Numbers are fixed sizes, strings named (dynamic) dimensions. */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string().min(1)])),
});

export const manifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower case letters, digits, ".", "_" and "-"'),
  version: z.string().min(1),
  /** The family a loader knows, e.g. "tokenizer-continuous", "lpips". */
  family: z.string().min(1),
  description: z.string().optional(),
  files: z
    .array(
      z.strictObject({
        /** Relative to the manifest's folder. */
        path: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
        bytes: z.number().int().positive(),
        /** What the file is for, e.g. "encoder", "decoder". */
        role: z.string().min(1),
        inputs: z.array(tensor).default([]),
        outputs: z.array(tensor).default([]),
      }),
    )
    .min(1),
  /** e.g. { "time": 4, "height": 8, "width": 8 } or { "levels": [8,8,8,5,5,5] }. */
  compression: z.record(z.string(), z.unknown()).optional(),
  /** Family-specific settings a runtime needs (a world model: its tokenizer, token grid, prompt length...). */
  config: z.record(z.string(), z.unknown()).optional(),
  training: z
    .strictObject({
      data: z.string(),
      seed: z.number().int().optional(),
      steps: z.number().int().optional(),
      recipe: z.string().optional(),
      hardware: z.string().optional(),
      seconds: z.number().optional(),
      /** The earlier runs this one continued from (recipe's --init), oldest first. */
      history: z.string().optional(),
    })
    .optional(),
  /** Measured figures, with what they were measured on in `evaluatedOn`. */
  metrics: z.record(z.string(), z.number()).default({}),
  evaluatedOn: z.string().optional(),
  license: z.string().min(1),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
export type ManifestTensor = z.infer<typeof tensor>;

/** Validate a manifest; an error names the key that is wrong and the file it came from. */
export function parseManifest(value: unknown, source: string): ModelManifest {
  const parsed = manifestSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.join('.') || '(top level)';
  throw new OrbisError(
    'MODEL_MANIFEST_INVALID',
    `the manifest ${source} is invalid at "${key}": ${issue.message}`,
    {
      hint: 'regenerate it with the training recipe that exported the model, or fix that key',
      details: { source, key },
    },
  );
}
