import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { OrbisError } from '../core/index.js';
import { createTensor, type ModelSession, openSession, type SessionOptions } from '../runtime/index.js';
import { checkPair, type Image, invalid } from './image.js';
import { resizeBicubic } from './resize.js';

/**
 * Learned perceptual metrics through ONNX Runtime, with each metric's reference preprocessing. No weights
 * ship with Orbis (they are large and under their authors' licences): a user exports them once and points
 * Orbis at the file; a missing file is an error that says which file and where it goes.
 *
 * - LPIPS (Zhang et al. 2018): inputs `in0`, `in1`, float32 [N, 3, H, W] in [-1, 1]; output [N, 1, 1, 1],
 *   the distance. Export: `torch.onnx.export(lpips.LPIPS(net='alex'), (x0, x1), 'lpips-alex.onnx',
 *   input_names=['in0', 'in1'], dynamic_axes=...)`.
 * - DreamSim (Fu et al. 2023): input float32 [N, 3, 224, 224] in [0, 1] (bicubic resize to 224, as its
 *   preprocessing does); output [N, D], an embedding; distance = 1 - cosine similarity.
 */

export interface LearnedModelOptions extends SessionOptions {
  /** The .onnx file; otherwise `<modelDir>/<default file name>`. */
  model?: string;
  /** Folder to look in; default ORBIS_MODEL_DIR, then ~/.cache/orbis/models. */
  modelDir?: string;
}

export const LPIPS_FILE = 'lpips-alex.onnx';
export const DREAMSIM_FILE = 'dreamsim.onnx';

function resolveModel(name: string, file: string, options: LearnedModelOptions): string {
  if (options.model) {
    const path = resolve(options.model);
    if (!existsSync(path)) throw missing(name, path, `the file given for ${name} does not exist`);
    return path;
  }
  const dir = options.modelDir ?? process.env.ORBIS_MODEL_DIR ?? join(homedir(), '.cache', 'orbis', 'models');
  const path = join(dir, file);
  if (!existsSync(path)) throw missing(name, path, `${name} needs its ONNX weights, which are not installed`);
  return path;
}

function missing(name: string, path: string, what: string): OrbisError {
  return new OrbisError('MODEL_NOT_FOUND', `${what}: looked for ${path}`, {
    hint: `export ${name} to ONNX (see src/eval/learned.ts) and put it there, set ORBIS_MODEL_DIR, or pass the file explicitly`,
    details: { path, metric: name },
  });
}

/** Interleaved image -> planar float32 [1, 3, H, W], each sample mapped by `scale * v + offset`. */
function toNchw(image: Image, scale: number, offset: number): Float32Array {
  const { width, height, channels, data } = image;
  if (channels !== 3) throw invalid(`learned metrics take RGB images, not ${channels}-channel ones`);
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = data[i * 3 + c]! * scale + offset;
  }
  return out;
}

/** The [0, 1] or [0, 255] range of an image, to map it onto what a model expects. */
function unitScale(image: Image, dataRange: number | undefined): number {
  if (dataRange !== undefined) return 1 / dataRange;
  if (image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray) return 1 / 255;
  throw invalid('float images need an explicit dataRange (1 for images in [0, 1], 255 for [0, 255])');
}

export class Lpips {
  private constructor(readonly session: ModelSession) {}

  static async load(options: LearnedModelOptions = {}): Promise<Lpips> {
    return new Lpips(await openSession(resolveModel('LPIPS', LPIPS_FILE, options), options));
  }

  /** LPIPS distance between two RGB images of the same size (lower is more similar). */
  async distance(pred: Image, target: Image, dataRange?: number): Promise<number> {
    checkPair(pred, target);
    const unit = unitScale(target, dataRange);
    const dims = [1, 3, target.height, target.width];
    const in0 = createTensor('float32', toNchw(pred, 2 * unit, -1), dims);
    const in1 = createTensor('float32', toNchw(target, 2 * unit, -1), dims);
    const out = await this.session.run({ in0, in1 });
    const value = firstValue(out);
    in0.dispose();
    in1.dispose();
    return value;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

export class DreamSim {
  private constructor(
    readonly session: ModelSession,
    private readonly input: string,
  ) {}

  static async load(options: LearnedModelOptions = {}): Promise<DreamSim> {
    const session = await openSession(resolveModel('DreamSim', DREAMSIM_FILE, options), options);
    if (session.inputs.length !== 1) {
      await session.close();
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `a DreamSim model takes one image input, this one takes ${session.inputs.length}`,
      );
    }
    return new DreamSim(session, session.inputs[0]!.name);
  }

  async embed(image: Image, dataRange?: number): Promise<Float32Array> {
    const unit = unitScale(image, dataRange);
    const resized = resizeBicubic(image, 224, 224);
    const tensor = createTensor('float32', toNchw(resized, unit, 0), [1, 3, 224, 224]);
    const out = await this.session.run({ [this.input]: tensor });
    tensor.dispose();
    const embedding = Object.values(out)[0]!;
    return Float32Array.from(embedding.data as Float32Array);
  }

  /** 1 - cosine similarity of the two images' embeddings. */
  async distance(pred: Image, target: Image, dataRange?: number): Promise<number> {
    checkPair(pred, target);
    const [a, b] = [await this.embed(pred, dataRange), await this.embed(target, dataRange)];
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    return 1 - dot / Math.sqrt(na * nb);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

function firstValue(out: Record<string, { data: unknown }>): number {
  const tensor = Object.values(out)[0];
  const data = tensor?.data as Float32Array | undefined;
  if (!data || data.length === 0) throw new OrbisError('MODEL_INVALID', 'the model returned no output');
  return data[0]!;
}
