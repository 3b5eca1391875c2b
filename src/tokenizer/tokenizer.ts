import { OrbisError } from '../core/index.js';
import { createTensor, type InstalledModel, type ModelSession, type ModelStore } from '../runtime/index.js';
import { type Fsq, fsqOf, indicesToValues, valuesToIndices } from './fsq.js';

/** RGB frames of one size, 8 bits, interleaved. */
export interface TokenizerFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Latent {
  /** [B, C, T', H', W'] float32 (for a discrete model, the FSQ values in [-1, 1]). */
  data: Float32Array;
  dims: [number, number, number, number, number];
}

/** Token indices of a discrete model, [B, T', H', W']. */
export interface Tokens {
  data: Uint16Array;
  dims: [number, number, number, number];
}

/** One causal chunk of a video, encoded: chunks are independent, each starting on a frame encoded alone. */
export interface EncodedChunk {
  /** [1, C, T', H', W'] */
  latent: Latent;
  /** Frames of the video it holds. */
  frames: number;
  /** Copies of its last frame added to fill the causal group (decoding drops them again). */
  padded: number;
}

export interface RoundTrip {
  frames: TokenizerFrame[];
  /** Frames added at the end of the last chunk to fill its causal group (and dropped again). */
  padded: number;
  latentShape: number[];
  /** Input bits (8 per channel) over latent bits (16 per value, or log2(levels) per code for FSQ). */
  compression: number;
}

export interface TokenizerOptions {
  providers?: ('cuda' | 'cpu')[];
  /** ONNX Runtime intra-op threads; 0 or absent lets the runtime choose. */
  threads?: number;
}

/**
 * A causal video tokenizer exported by training/tokenizer: frames [-1, 1] in, latents out, and back. Long
 * videos go through in chunks of `chunkFrames` (1 + 4k; each chunk's first frame is encoded alone, as the
 * model was trained), so memory stays bounded whatever the length.
 */
export class VideoTokenizer {
  /** The FSQ quantizer of a discrete model; undefined for a continuous one. */
  readonly fsq: Fsq | undefined;

  private constructor(
    readonly model: InstalledModel,
    private readonly encoder: ModelSession,
    private readonly decoder: ModelSession,
  ) {
    const levels = model.manifest.compression?.levels as number[] | undefined;
    this.fsq = levels ? fsqOf(levels) : undefined;
  }

  static async load(
    store: ModelStore,
    name: string,
    options: TokenizerOptions = {},
  ): Promise<VideoTokenizer> {
    const model = await store.resolve(name);
    if (!model.manifest.family.startsWith('tokenizer'))
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `model "${name}" is a ${model.manifest.family}, not a tokenizer`,
      );
    const encoder = await store.open(model, 'encoder', options);
    try {
      const decoder = await store.open(model, 'decoder', options);
      return new VideoTokenizer(model, encoder, decoder);
    } catch (error) {
      await encoder.close();
      throw error;
    }
  }

  get kind(): 'continuous' | 'discrete' {
    return this.fsq ? 'discrete' : 'continuous';
  }

  get timeFactor(): number {
    return Number(this.model.manifest.compression?.time ?? 4);
  }

  get spatialFactor(): number {
    return Number(this.model.manifest.compression?.height ?? 8);
  }

  /** Channels of the latent (for a discrete model, one per FSQ level). */
  get latentChannels(): number {
    const declared = this.model.manifest.files.find((f) => f.role === 'encoder')?.outputs[0]?.shape[1];
    return typeof declared === 'number' ? declared : (this.fsq?.levels.length ?? 16);
  }

  /** Bits one latent position (all its channels) costs: 16 per value, or log2(codebook) per FSQ token. */
  get bitsPerPosition(): number {
    return this.fsq ? Math.log2(this.fsq.codebookSize) : 16 * this.latentChannels;
  }

  /** Frames a chunk of n frames is padded to: 1 + 4k, the causal grouping the model takes. */
  paddedLength(frames: number): number {
    const f = this.timeFactor;
    return frames <= 1 ? 1 : 1 + Math.ceil((frames - 1) / f) * f;
  }

  /** Refuse frames the model's patches do not tile, naming the size that would. */
  checkSize(width: number, height: number): void {
    const s = this.spatialFactor;
    if (width >= s && height >= s && width % s === 0 && height % s === 0) return;
    const near = (v: number) => Math.max(s, Math.round(v / s) * s);
    throw new OrbisError(
      'INVALID_ARGUMENT',
      width < s || height < s
        ? `frames of ${width}x${height} are smaller than this model's ${s}x${s} patch`
        : `frames of ${width}x${height} do not tile into this model's ${s}x${s} patches`,
      { hint: `resize to a multiple of ${s} in each side (e.g. --size ${near(width)}x${near(height)})` },
    );
  }

  /** [B, 3, T, H, W] in [-1, 1] -> latent; T must be 1 + 4k and H, W multiples of the spatial factor. */
  async encode(video: Float32Array, dims: readonly number[]): Promise<Latent> {
    const [, , t = 0, h = 0, w = 0] = dims;
    if (t < 1 || (t - 1) % this.timeFactor)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `a clip of ${t} frames does not fit the causal grouping of 1 + ${this.timeFactor}k frames`,
        { hint: `pad it to ${this.paddedLength(t)} frames (encodeClips and encodeStream do)` },
      );
    this.checkSize(w, h);
    const out = (await this.encoder.run({ video: createTensor('float32', video, dims) })).latent!;
    return { data: out.data as Float32Array, dims: out.dims as Latent['dims'] };
  }

  /** Latent [B, C, T', H', W'] -> video [B, 3, 1 + 4(T'-1), H, W] in about [-1, 1]. */
  async decode(latent: Latent): Promise<{ data: Float32Array; dims: number[] }> {
    const out = (await this.decoder.run({ latent: createTensor('float32', latent.data, latent.dims) }))
      .video!;
    return { data: out.data as Float32Array, dims: [...out.dims] };
  }

  /** A discrete model's FSQ values -> token indices (as model.py's FSQ.to_indices). */
  tokens(latent: Latent): Tokens {
    const [b, , t, h, w] = latent.dims;
    return { data: valuesToIndices(this.requireFsq(), latent.data, latent.dims), dims: [b, t, h, w] };
  }

  /** Token indices -> FSQ values the decoder takes (as model.py's FSQ.from_indices). */
  fromTokens(tokens: Tokens): Latent {
    const fsq = this.requireFsq();
    const [b, t, h, w] = tokens.dims;
    return { data: indicesToValues(fsq, tokens.data, tokens.dims), dims: [b, fsq.levels.length, t, h, w] };
  }

  /**
   * Several clips of one size and length in one call (a batch): each is padded at its end to 1 + 4k frames
   * with copies of its last frame.
   */
  async encodeClips(
    clips: readonly (readonly TokenizerFrame[])[],
  ): Promise<{ latent: Latent; padded: number }> {
    const first = clips[0]?.[0];
    if (!first) throw new OrbisError('INVALID_ARGUMENT', 'no frames to tokenize');
    const length = clips[0]!.length;
    if (
      clips.some(
        (c) => c.length !== length || c.some((f) => f.width !== first.width || f.height !== first.height),
      )
    )
      throw new OrbisError(
        'INVALID_ARGUMENT',
        'the clips of a batch must all have the same length and size',
        {
          hint: 'group clips by length and size, or encode them one at a time',
        },
      );
    this.checkSize(first.width, first.height);
    const padded = this.paddedLength(length) - length;
    const filled = clips.map((c) => [...c, ...Array<TokenizerFrame>(padded).fill(c.at(-1)!)]);
    const { data, dims } = toTensor(filled);
    return { latent: await this.encode(data, dims), padded };
  }

  /** Decode a batch of latents to clips, keeping the first `frames` of each (default: all). */
  async decodeClips(latent: Latent, frames?: number): Promise<TokenizerFrame[][]> {
    const video = await this.decode(latent);
    return fromTensor(video.data, video.dims).map((clip) => clip.slice(0, frames ?? clip.length));
  }

  /**
   * Encode a stream of frames chunk by chunk: only one chunk of frames is held at a time. The last chunk is
   * padded to its causal group, and says by how much.
   */
  async *encodeStream(
    frames: AsyncIterable<TokenizerFrame> | Iterable<TokenizerFrame>,
    chunkFrames = 17,
  ): AsyncGenerator<EncodedChunk> {
    if (chunkFrames < 1 || (chunkFrames - 1) % this.timeFactor)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `chunks must hold 1 + ${this.timeFactor}k frames, not ${chunkFrames}`,
        { hint: `use --chunk ${this.paddedLength(chunkFrames)}` },
      );
    let chunk: TokenizerFrame[] = [];
    const flush = async (): Promise<EncodedChunk> => {
      const { latent, padded } = await this.encodeClips([chunk]);
      const done = { latent, frames: chunk.length, padded };
      chunk = [];
      return done;
    };
    for await (const frame of frames) {
      chunk.push(frame);
      if (chunk.length === chunkFrames) yield await flush();
    }
    if (chunk.length) yield await flush();
  }

  /** Decode encoded chunks back to frames, as they come, dropping each chunk's padding. */
  async *decodeStream(
    chunks: AsyncIterable<EncodedChunk> | Iterable<EncodedChunk>,
  ): AsyncGenerator<TokenizerFrame> {
    for await (const chunk of chunks) {
      const [clip] = await this.decodeClips(chunk.latent, chunk.frames);
      yield* clip!;
    }
  }

  /** Encode and decode frames, chunk by chunk; the sizes must be multiples of the spatial factor. */
  async roundTrip(frames: readonly TokenizerFrame[], chunkFrames = 17): Promise<RoundTrip> {
    const first = frames[0];
    if (!first) throw new OrbisError('INVALID_ARGUMENT', 'no frames to tokenize');
    this.checkSize(first.width, first.height);
    const out: TokenizerFrame[] = [];
    let padded = 0;
    let latentShape: number[] = [];
    let positions = 0;
    for await (const chunk of this.encodeStream(frames, chunkFrames)) {
      padded += chunk.padded;
      latentShape = chunk.latent.dims;
      const [, , t, h, w] = chunk.latent.dims;
      positions += t * h * w;
      for await (const frame of this.decodeStream([chunk])) out.push(frame);
    }
    const inputBits = frames.length * first.width * first.height * 3 * 8;
    return { frames: out, padded, latentShape, compression: inputBits / (positions * this.bitsPerPosition) };
  }

  async close(): Promise<void> {
    await this.encoder.close();
    await this.decoder.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private requireFsq(): Fsq {
    if (!this.fsq)
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `model "${this.model.manifest.name}" is continuous: it has latents, not tokens`,
        { hint: 'use a discrete tokenizer (family tokenizer-discrete) for token indices' },
      );
    return this.fsq;
  }
}

/** Clips of equal length and size -> [B, 3, T, H, W] in [-1, 1]; one clip may be passed as frames. */
export function toTensor(clips: readonly (readonly TokenizerFrame[])[] | readonly TokenizerFrame[]): {
  data: Float32Array;
  dims: number[];
} {
  const batch = (Array.isArray(clips[0]) ? clips : [clips]) as readonly (readonly TokenizerFrame[])[];
  const { width, height } = batch[0]![0]!;
  const plane = width * height;
  const t = batch[0]!.length;
  const data = new Float32Array(batch.length * 3 * t * plane);
  batch.forEach((frames, n) => {
    frames.forEach((f, k) => {
      for (let c = 0; c < 3; c++) {
        const base = ((n * 3 + c) * t + k) * plane;
        for (let i = 0; i < plane; i++) data[base + i] = f.data[i * 3 + c]! / 127.5 - 1;
      }
    });
  });
  return { data, dims: [batch.length, 3, t, height, width] };
}

/** [B, 3, T, H, W] in [-1, 1] -> clips of frames (clamped, rounded); B = 1 gives one clip. */
export function fromTensor(data: Float32Array, dims: readonly number[]): TokenizerFrame[][] {
  const [b = 1, , t = 0, height = 0, width = 0] = dims;
  const plane = width * height;
  return Array.from({ length: b }, (_, n) =>
    Array.from({ length: t }, (_, k) => {
      const out = new Uint8Array(plane * 3);
      for (let c = 0; c < 3; c++) {
        const base = ((n * 3 + c) * t + k) * plane;
        for (let i = 0; i < plane; i++)
          out[i * 3 + c] = Math.max(0, Math.min(255, Math.round((data[base + i]! + 1) * 127.5)));
      }
      return { width, height, data: out };
    }),
  );
}
