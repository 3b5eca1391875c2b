import { OrbisError } from '../core/index.js';
import { createTensor, type InstalledModel, type ModelSession, type ModelStore } from '../runtime/index.js';

/** RGB frames of one size, 8 bits, interleaved. */
export interface TokenizerFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Latent {
  /** [1, C, T', H', W'] float32 (for a discrete model, the FSQ values in [-1, 1]). */
  data: Float32Array;
  dims: [number, number, number, number, number];
}

export interface RoundTrip {
  frames: TokenizerFrame[];
  /** Frames added at the end of the last chunk to fill its causal group (and dropped again). */
  padded: number;
  latentShape: number[];
  /** Input bits (8 per channel) over latent bits (16 per value, or log2(levels) per code for FSQ). */
  compression: number;
}

/**
 * A causal video tokenizer exported by training/tokenizer: frames [-1, 1] in, latents out, and back. Long
 * videos go through in chunks of `chunkFrames` (1 + 4k; each chunk's first frame is encoded alone, as the
 * model was trained), so memory stays bounded whatever the length.
 */
export class VideoTokenizer {
  private constructor(
    readonly model: InstalledModel,
    private readonly encoder: ModelSession,
    private readonly decoder: ModelSession,
  ) {}

  static async load(
    store: ModelStore,
    name: string,
    options: { providers?: ('cuda' | 'cpu')[] } = {},
  ): Promise<VideoTokenizer> {
    const model = await store.resolve(name);
    if (!model.manifest.family.startsWith('tokenizer'))
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `model "${name}" is a ${model.manifest.family}, not a tokenizer`,
      );
    const encoder = await store.open(model, 'encoder', options);
    const decoder = await store.open(model, 'decoder', options);
    return new VideoTokenizer(model, encoder, decoder);
  }

  get timeFactor(): number {
    return Number(this.model.manifest.compression?.time ?? 4);
  }

  get spatialFactor(): number {
    return Number(this.model.manifest.compression?.height ?? 8);
  }

  async encode(video: Float32Array, dims: readonly number[]): Promise<Latent> {
    const out = (await this.encoder.run({ video: createTensor('float32', video, dims) })).latent!;
    return { data: out.data as Float32Array, dims: out.dims as Latent['dims'] };
  }

  async decode(latent: Latent): Promise<{ data: Float32Array; dims: number[] }> {
    const out = (await this.decoder.run({ latent: createTensor('float32', latent.data, latent.dims) }))
      .video!;
    return { data: out.data as Float32Array, dims: [...out.dims] };
  }

  /** Encode and decode frames, chunk by chunk; the sizes must be multiples of the spatial factor. */
  async roundTrip(frames: readonly TokenizerFrame[], chunkFrames = 17): Promise<RoundTrip> {
    const first = frames[0];
    if (!first) throw new OrbisError('INVALID_ARGUMENT', 'no frames to tokenize');
    const s = this.spatialFactor;
    if (first.width % s || first.height % s || first.width < s || first.height < s)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `frames of ${first.width}x${first.height} do not tile into this model's ${s}x${s} patches`,
        {
          hint: `resize to a multiple of ${s} in each side (e.g. --size ${Math.max(s, Math.round(first.width / s) * s)}x${Math.max(s, Math.round(first.height / s) * s)})`,
        },
      );
    if ((chunkFrames - 1) % this.timeFactor)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `chunks must hold 1 + ${this.timeFactor}k frames, not ${chunkFrames}`,
      );
    const out: TokenizerFrame[] = [];
    let padded = 0;
    let latentShape: number[] = [];
    let latentValues = 0;
    for (let at = 0; at < frames.length; at += chunkFrames) {
      const chunk = frames.slice(at, at + chunkFrames);
      // The causal grouping takes 1 + 4k frames: fill the last group with copies of the last frame.
      const fill = (this.timeFactor - ((chunk.length - 1) % this.timeFactor)) % this.timeFactor;
      for (let i = 0; i < fill; i++) chunk.push(chunk.at(-1)!);
      padded += fill;
      const { data, dims } = toTensor(chunk);
      const latent = await this.encode(data, dims);
      latentShape = latent.dims;
      latentValues += latent.data.length;
      const video = await this.decode(latent);
      out.push(...fromTensor(video.data, video.dims).slice(0, chunk.length - fill));
    }
    const levels = this.model.manifest.compression?.levels as number[] | undefined;
    const bitsPerValue = levels ? Math.log2(levels.reduce((a, b) => a * b, 1)) / levels.length : 16;
    const inputBits = frames.length * first.width * first.height * 3 * 8;
    return { frames: out, padded, latentShape, compression: inputBits / (latentValues * bitsPerValue) };
  }

  async close(): Promise<void> {
    await this.encoder.close();
    await this.decoder.close();
  }
}

/** Frames -> [1, 3, T, H, W] in [-1, 1]. */
export function toTensor(frames: readonly TokenizerFrame[]): { data: Float32Array; dims: number[] } {
  const { width, height } = frames[0]!;
  const plane = width * height;
  const t = frames.length;
  const data = new Float32Array(3 * t * plane);
  frames.forEach((f, k) => {
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++) data[(c * t + k) * plane + i] = f.data[i * 3 + c]! / 127.5 - 1;
  });
  return { data, dims: [1, 3, t, height, width] };
}

/** [1, 3, T, H, W] in [-1, 1] -> frames (clamped, rounded). */
export function fromTensor(data: Float32Array, dims: readonly number[]): TokenizerFrame[] {
  const [, , t = 0, height = 0, width = 0] = dims;
  const plane = width * height;
  return Array.from({ length: t }, (_, k) => {
    const out = new Uint8Array(plane * 3);
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++)
        out[i * 3 + c] = Math.max(0, Math.min(255, Math.round((data[(c * t + k) * plane + i]! + 1) * 127.5)));
    return { width, height, data: out };
  });
}
