import { OrbisError } from '../core/index.js';
import { CLIP_IMAGE_INPUT, type EmbedFrame, type ImageInputSpec, imageBatch } from '../embed/index.js';
import { createTensor, type ModelSession, openSession } from '../runtime/index.js';

/**
 * The slot for a learned aesthetic or quality model: an ONNX network taking [N, 3, size, size] float32
 * frames and giving one score per frame ([N] or [N, 1]); a clip's score is the mean over its sampled frames.
 * (LAION's aesthetic predictor, for one, is a head on CLIP image embeddings: exported together with the
 * CLIP image tower it has exactly this interface.)
 */
export class AestheticModel {
  private constructor(
    private readonly session: ModelSession,
    private readonly spec: ImageInputSpec,
  ) {}

  static async load(
    path: string,
    options: Partial<ImageInputSpec> & { providers?: ('cuda' | 'cpu')[] } = {},
  ): Promise<AestheticModel> {
    const spec: ImageInputSpec = {
      size: options.size ?? CLIP_IMAGE_INPUT.size,
      mean: options.mean ?? CLIP_IMAGE_INPUT.mean,
      std: options.std ?? CLIP_IMAGE_INPUT.std,
    };
    const session = await openSession(path, options.providers ? { providers: options.providers } : {});
    const output = session.outputs[0];
    const perFrame =
      output && (output.shape.length === 1 || (output.shape.length === 2 && output.shape[1] === 1));
    if (session.inputs.length !== 1 || session.inputs[0]?.shape.length !== 4 || !perFrame) {
      await session.close();
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `${path} is not a per-frame scorer taking [N, 3, ${spec.size}, ${spec.size}] and giving [N] or [N, 1]`,
        {
          hint: 'export the scorer with one score per image, or leave curator setting "filter.aesthetic" unset',
        },
      );
    }
    return new AestheticModel(session, spec);
  }

  get size(): number {
    return this.spec.size;
  }

  /** The mean score of the frames. */
  async score(frames: readonly EmbedFrame[]): Promise<number> {
    const input = this.session.inputs[0]!.name;
    const out = await this.session.run({
      [input]: createTensor('float32', imageBatch(frames, this.spec), [
        frames.length,
        3,
        this.spec.size,
        this.spec.size,
      ]),
    });
    const data = out[this.session.outputs[0]!.name]!.data as Float32Array;
    let sum = 0;
    for (let i = 0; i < frames.length; i++) sum += data[i]!;
    return sum / frames.length;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
