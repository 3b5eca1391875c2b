import { z } from 'zod';
import { ConfigError } from '../core/index.js';

const rgb = z.tuple([z.number(), z.number(), z.number()]);

/** An ONNX image model and how it wants its frames (defaults: CLIP's 224 pixels, mean and std). */
const imageModel = z.strictObject({
  path: z.string().min(1),
  size: z.number().int().min(8).max(1024).default(224),
  mean: rgb.optional(),
  std: rgb.optional(),
});

/** Curation settings, validated; a bad value is an error that names its key. */
export const curatorConfigSchema = z.strictObject({
  split: z
    .strictObject({
      /** Clips shorter than this are dropped (seconds). */
      minClipSeconds: z.number().positive().default(2),
      /** Longer shots are split into pieces of at most this length (seconds). */
      maxClipSeconds: z.number().positive().default(60),
      /** Width of the frames shot detection looks at. */
      analysisWidth: z.number().int().min(16).max(1024).default(96),
      /** Videos with more pixels per frame are refused with VIDEO_TOO_LARGE (default: 8192x4320, DCI 8K). */
      maxPixels: z
        .number()
        .int()
        .positive()
        .default(8192 * 4320),
      /** A learned shot detector with TransNetV2's ONNX interface, used instead of ours when set. */
      model: z
        .strictObject({
          path: z.string().min(1),
          /** Probability above which a frame ends its shot. */
          threshold: z.number().gt(0).lt(1).default(0.5),
        })
        .optional(),
    })
    .prefault({}),
  filter: z
    .strictObject({
      /** Mean difference between consecutive frames (0-255, at analysis size) below which a clip is static. */
      minMotion: z.number().min(0).default(0.15),
      /** Laplacian variance below which a clip is blurry. */
      minSharpness: z.number().min(0).default(20),
      /** Share of near-black frames above which a clip is dropped. */
      maxDarkFraction: z.number().min(0).max(1).default(0.5),
      /** Share of frozen (repeated) sampled frames above which a clip is dropped. */
      maxFrozenFraction: z.number().min(0).max(1).default(0.8),
      /** A learned aesthetic/quality model (ONNX, one score per frame); clips scoring under minScore drop. */
      aesthetic: imageModel
        .extend({ minScore: z.number(), frames: z.number().int().min(1).max(32).default(3) })
        .optional(),
    })
    .prefault({}),
  /** An ONNX image encoder (e.g. a CLIP/SigLIP image tower) for clip embeddings, instead of the built-in one. */
  embed: imageModel
    .extend({ frames: z.number().int().min(1).max(32).default(4), name: z.string().optional() })
    .optional(),
  transcode: z
    .strictObject({
      height: z.number().int().positive().max(4320).optional(),
      fps: z.number().positive().max(240).optional(),
      crf: z.number().int().min(0).max(51).default(20),
      preset: z
        .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'])
        .default('veryfast'),
    })
    .prefault({}),
  caption: z
    .strictObject({
      /** OpenAI-compatible server base URL (e.g. http://localhost:8000/v1); captioning is off without one. */
      endpoint: z.url().optional(),
      model: z.string().min(1).default('Qwen/Qwen2.5-VL-7B-Instruct'),
      apiKey: z.string().optional(),
      /** Frames per second sent to the model. */
      fps: z.number().positive().max(30).default(4),
      /** Image tokens (28x28-pixel patches) for all of a clip's frames together. */
      tokenBudget: z.number().int().min(1).default(8192),
      timeoutMs: z.number().int().positive().default(120_000),
      retries: z.number().int().min(0).max(10).default(3),
      /** Requests in flight at once. */
      concurrency: z.number().int().positive().max(64).default(4),
    })
    .prefault({}),
  dedup: z
    .strictObject({
      /** Cosine similarity of embeddings at or above which clips are near duplicates. */
      threshold: z.number().min(0).max(1).default(0.95),
    })
    .prefault({}),
  shards: z.strictObject({ maxSamples: z.number().int().positive().default(1000) }).prefault({}),
});

export type CuratorConfig = z.infer<typeof curatorConfigSchema>;

export function parseCuratorConfig(value: unknown, source = 'config'): CuratorConfig {
  const parsed = curatorConfigSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [
    ...issue.path.map(String),
    ...(issue.code === 'unrecognized_keys' ? [issue.keys[0] ?? '?'] : []),
  ].join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown curator setting "${path}" in ${source}`
      : `curator setting "${path}" in ${source} is invalid: ${issue.message}`;
  throw new ConfigError(path, source, message, { hint: 'see docs/curate.md for the settings' });
}
