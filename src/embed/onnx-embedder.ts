import { basename } from 'node:path';
import { OrbisError } from '../core/index.js';
import { createTensor, type ModelSession, openSession } from '../runtime/index.js';
import type { Embedder, EmbedFrame } from './embedder.js';
import { CLIP_IMAGE_INPUT, type ImageInputSpec, imageBatch } from './image-input.js';
import { normalize } from './thumbprint.js';

export interface OnnxEmbedderOptions extends Partial<ImageInputSpec> {
  /** Frames per clip, spread evenly over it (default 4); their embeddings are averaged. */
  framesPerClip?: number;
  /** Name recorded with the embeddings (default "onnx:<file name>"). */
  name?: string;
  providers?: ('cuda' | 'cpu')[];
}

/**
 * An ONNX image encoder as an Embedder (the slot for a CLIP or SigLIP image tower export): input
 * [N, 3, size, size] float32, output [N, D]. A clip's embedding is the mean of its frames' embeddings,
 * L2-normalized, so cosine similarity is a dot product as with the built-in embedder; unlike that one, a
 * trained encoder can put different clips of the same kind of scene close together.
 */
export class OnnxEmbedder implements Embedder {
  private constructor(
    private readonly session: ModelSession,
    readonly name: string,
    readonly dimensions: number,
    readonly framesPerClip: number,
    private readonly spec: ImageInputSpec,
  ) {}

  get frameWidth(): number {
    return this.spec.size;
  }

  static async load(path: string, options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
    const spec: ImageInputSpec = {
      size: options.size ?? CLIP_IMAGE_INPUT.size,
      mean: options.mean ?? CLIP_IMAGE_INPUT.mean,
      std: options.std ?? CLIP_IMAGE_INPUT.std,
    };
    const session = await openSession(path, options.providers ? { providers: options.providers } : {});
    const input = session.inputs[0];
    const output = session.outputs[0];
    const dims = output?.shape.at(-1);
    const inputOk =
      session.inputs.length === 1 &&
      input?.shape.length === 4 &&
      [1, 2, 3].every(
        (i) => typeof input.shape[i] !== 'number' || input.shape[i] === [3, spec.size, spec.size][i - 1],
      );
    if (!inputOk || output?.shape.length !== 2 || typeof dims !== 'number') {
      await session.close();
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `${path} is not an image encoder taking [N, 3, ${spec.size}, ${spec.size}] and giving [N, D] (it takes ${session.inputs.map((i) => `[${i.shape.join(', ')}]`).join(', ')} and gives ${session.outputs.map((o) => `[${o.shape.join(', ')}]`).join(', ')})`,
        { hint: 'export the image tower alone, with a fixed embedding size, or set the input size to match' },
      );
    }
    return new OnnxEmbedder(
      session,
      options.name ?? `onnx:${basename(path)}`,
      dims,
      options.framesPerClip ?? 4,
      spec,
    );
  }

  async embed(frames: readonly EmbedFrame[]): Promise<Float32Array> {
    if (frames.length === 0) throw new OrbisError('INVALID_ARGUMENT', 'no frames to embed');
    const batch = imageBatch(frames, this.spec);
    const input = this.session.inputs[0]!.name;
    const out = await this.session.run({
      [input]: createTensor('float32', batch, [frames.length, 3, this.spec.size, this.spec.size]),
    });
    const data = out[this.session.outputs[0]!.name]!.data as Float32Array;
    const sum = new Float32Array(this.dimensions);
    for (let n = 0; n < frames.length; n++)
      for (let d = 0; d < this.dimensions; d++) sum[d]! += data[n * this.dimensions + d]!;
    return normalize(sum);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
