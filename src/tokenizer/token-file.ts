import { type FileHandle, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { OrbisError } from '../core/index.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import type { EncodedChunk, Latent, VideoTokenizer } from './tokenizer.js';

/**
 * The tokens file `orbis tokenize encode` writes: a NumPy .npy array, time-major so chunks append as they are
 * encoded, plus a JSON sidecar `<file>.json` saying what made it and how to undo it.
 *
 * - continuous models: float16 latents [T', C, H', W'] (16 bits a value, the figure compression counts);
 * - discrete models: uint16 token indices [T', H', W'] (FSQ [8,8,8,5,5,5] has 64000 < 65536 codes).
 *
 * T' runs over the chunks in order; a chunk of n frames (the last may be short) holds 1 + ceil((n-1)/4)
 * latent frames, so the chunk boundaries follow from `frames` and `chunkFrames` in the sidecar.
 */
export const TOKEN_FILE_FORMAT = 'orbis-tokens';
export const TOKEN_FILE_VERSION = 1;
/** The .npy header is written at this fixed length, so the final shape can replace a placeholder in place. */
const HEADER_BYTES = 128;

const headerSchema = z.object({
  format: z.literal(TOKEN_FILE_FORMAT),
  formatVersion: z.literal(TOKEN_FILE_VERSION),
  model: z.object({ name: z.string(), version: z.string(), family: z.string() }),
  kind: z.enum(['continuous', 'discrete']),
  dtype: z.enum(['float16', 'uint16']),
  /** The .npy array's shape: [T', C, H', W'] or [T', H', W']. */
  shape: z.array(z.number().int().nonnegative()),
  source: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive(),
  /** Frames of the video encoded (what decoding gives back). */
  frames: z.number().int().positive(),
  /** Copies of the last frame added to fill the last chunk's causal group. */
  padded: z.number().int().nonnegative(),
  chunkFrames: z.number().int().positive(),
  timeFactor: z.number().int().positive(),
  spatialFactor: z.number().int().positive(),
  levels: z.array(z.number().int()).optional(),
});

export type TokenFileHeader = z.infer<typeof headerSchema>;

export const sidecarOf = (path: string): string => `${path}.json`;

/** Latent frames of each chunk of a video of `frames` frames in chunks of `chunkFrames`. */
export function chunkLayout(
  frames: number,
  chunkFrames: number,
  timeFactor: number,
): { frames: number; latentFrames: number }[] {
  const out: { frames: number; latentFrames: number }[] = [];
  for (let at = 0; at < frames; at += chunkFrames) {
    const n = Math.min(chunkFrames, frames - at);
    out.push({ frames: n, latentFrames: 1 + Math.ceil((n - 1) / timeFactor) });
  }
  return out;
}

function npyHeader(dtype: 'float16' | 'uint16', shape: readonly number[]): Buffer {
  const descr = dtype === 'float16' ? '<f2' : '<u2';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const text = `${dict}${' '.repeat(HEADER_BYTES - 10 - dict.length - 1)}\n`;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(HEADER_BYTES - 10, 8);
  header.write(text, 10, 'latin1');
  return header;
}

/** [1, C, T', H', W'] -> time-major [T', C, H', W'] (continuous) or token indices [T', H', W'] (discrete). */
function timeMajor(tokenizer: VideoTokenizer, latent: Latent): Uint16Array {
  if (tokenizer.fsq) return tokenizer.tokens(latent).data;
  const [, c, t, h, w] = latent.dims;
  const plane = h * w;
  const out = new Float32Array(latent.data.length);
  for (let k = 0; k < c; k++)
    for (let f = 0; f < t; f++)
      out.set(latent.data.subarray((k * t + f) * plane, (k * t + f + 1) * plane), (f * c + k) * plane);
  return float32ToFloat16(out);
}

function channelMajor(
  tokenizer: VideoTokenizer,
  values: Uint16Array,
  t: number,
  h: number,
  w: number,
): Latent {
  if (tokenizer.fsq) return tokenizer.fromTokens({ data: values, dims: [1, t, h, w] });
  const c = tokenizer.latentChannels;
  const plane = h * w;
  const flat = float16ToFloat32(values);
  const data = new Float32Array(flat.length);
  for (let k = 0; k < c; k++)
    for (let f = 0; f < t; f++)
      data.set(flat.subarray((f * c + k) * plane, (f * c + k + 1) * plane), (k * t + f) * plane);
  return { data, dims: [1, c, t, h, w] };
}

/**
 * Writes a tokens file as chunks arrive: the array goes to `<path>.partial` behind a placeholder header, and
 * only a finished file (final shape in place, sidecar written) is renamed to `path`.
 */
export class TokenFileWriter {
  private latentFrames = 0;
  private frames = 0;
  private padded = 0;
  private offset = HEADER_BYTES;

  private constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    private readonly tokenizer: VideoTokenizer,
    private readonly meta: {
      source: string;
      width: number;
      height: number;
      fps: number;
      chunkFrames: number;
    },
  ) {}

  static async create(
    path: string,
    tokenizer: VideoTokenizer,
    meta: { source: string; width: number; height: number; fps: number; chunkFrames: number },
  ): Promise<TokenFileWriter> {
    let file: FileHandle;
    try {
      file = await open(`${path}.partial`, 'w');
    } catch (error) {
      throw new OrbisError(
        'OUTPUT_UNWRITABLE',
        `cannot write the tokens file ${path}: ${(error as NodeJS.ErrnoException).code}`,
        {
          hint: "choose another --out, or fix the folder's permissions",
          cause: error,
        },
      );
    }
    await file.write(npyHeader(tokenizer.fsq ? 'uint16' : 'float16', [0]), 0, HEADER_BYTES, 0);
    return new TokenFileWriter(file, path, tokenizer, meta);
  }

  async append(chunk: EncodedChunk): Promise<void> {
    const values = timeMajor(this.tokenizer, chunk.latent);
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    await this.file.write(bytes, 0, bytes.length, this.offset);
    this.offset += bytes.length;
    this.latentFrames += chunk.latent.dims[2];
    this.frames += chunk.frames;
    this.padded += chunk.padded;
  }

  /** Write the final header and the sidecar, and move the file into place. */
  async finish(): Promise<TokenFileHeader> {
    const t = this.tokenizer;
    const s = t.spatialFactor;
    const spatial = [this.meta.height / s, this.meta.width / s];
    const shape = t.fsq ? [this.latentFrames, ...spatial] : [this.latentFrames, t.latentChannels, ...spatial];
    const m = t.model.manifest;
    const header: TokenFileHeader = {
      format: TOKEN_FILE_FORMAT,
      formatVersion: TOKEN_FILE_VERSION,
      model: { name: m.name, version: m.version, family: m.family },
      kind: t.kind,
      dtype: t.fsq ? 'uint16' : 'float16',
      shape,
      ...this.meta,
      frames: this.frames,
      padded: this.padded,
      timeFactor: t.timeFactor,
      spatialFactor: s,
      ...(t.fsq ? { levels: [...t.fsq.levels] } : {}),
    };
    await this.file.write(npyHeader(header.dtype, shape), 0, HEADER_BYTES, 0);
    await this.file.close();
    // The sidecar first: a .npy in place always has its own sidecar beside it.
    await writeFile(sidecarOf(this.path), `${JSON.stringify(header, null, 2)}\n`);
    await rename(`${this.path}.partial`, this.path);
    return header;
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => {});
    await rm(`${this.path}.partial`, { force: true });
  }
}

function corrupt(path: string, problem: string): OrbisError {
  return new OrbisError('TOKENS_INVALID', `the tokens file ${path} is damaged: ${problem}`, {
    hint: 'encode the video again with orbis tokenize encode',
    details: { path },
  });
}

/** Read and check a tokens file's sidecar and .npy header against each other and against `tokenizer`. */
export async function openTokenFile(
  path: string,
  tokenizer: VideoTokenizer,
): Promise<{ header: TokenFileHeader; chunks(): AsyncGenerator<EncodedChunk> }> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new OrbisError('TOKENS_INVALID', `no tokens file at ${path}`, {
      hint: 'give the .npy that orbis tokenize encode --out wrote',
    });
  const sidecar = await readFile(sidecarOf(path), 'utf8').catch(() => undefined);
  if (sidecar === undefined)
    throw new OrbisError('TOKENS_INVALID', `the tokens file ${path} has no sidecar ${sidecarOf(path)}`, {
      hint: 'keep the .json that orbis tokenize encode writes beside the .npy, or encode again',
    });
  let parsed: ReturnType<typeof headerSchema.safeParse>;
  try {
    parsed = headerSchema.safeParse(JSON.parse(sidecar));
  } catch {
    throw corrupt(path, `its sidecar ${sidecarOf(path)} is not JSON`);
  }
  if (!parsed.success)
    throw corrupt(
      path,
      `its sidecar is not an ${TOKEN_FILE_FORMAT} v${TOKEN_FILE_VERSION} header (at "${parsed.error.issues[0]!.path.join('.')}")`,
    );
  const header = parsed.data;
  const m = tokenizer.model.manifest;
  if (header.model.name !== m.name || header.model.version !== m.version)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `${path} holds ${header.kind === 'discrete' ? 'tokens' : 'latents'} of ${header.model.name} v${header.model.version}, not of ${m.name} v${m.version}`,
      { hint: `decode it with --model ${header.model.name}`, details: { path, madeBy: header.model } },
    );
  const s = tokenizer.spatialFactor;
  const spatial = [header.height / s, header.width / s];
  const layout = chunkLayout(header.frames, header.chunkFrames, header.timeFactor);
  const latentFrames = layout.reduce((n, c) => n + c.latentFrames, 0);
  const expected = tokenizer.fsq
    ? [latentFrames, ...spatial]
    : [latentFrames, tokenizer.latentChannels, ...spatial];
  if (header.shape.join() !== expected.join())
    throw corrupt(
      path,
      `its sidecar says [${header.shape.join(', ')}], ${header.frames} frames of ${header.width}x${header.height} need [${expected.join(', ')}]`,
    );
  const head = Buffer.alloc(HEADER_BYTES);
  const probe = await open(path, 'r');
  const { bytesRead } = await probe.read(head, 0, HEADER_BYTES, 0).finally(() => probe.close());
  if (bytesRead < HEADER_BYTES || !head.equals(npyHeader(header.dtype, header.shape)))
    throw corrupt(
      path,
      `its .npy header is not the ${header.dtype} [${header.shape.join(', ')}] array its sidecar describes`,
    );
  const bytes = 2 * header.shape.reduce((a, b) => a * b, 1);
  if (info.size !== HEADER_BYTES + bytes)
    throw corrupt(
      path,
      info.size < HEADER_BYTES + bytes
        ? `it is truncated (${info.size - HEADER_BYTES} of ${bytes} bytes of ${header.dtype === 'uint16' ? 'tokens' : 'latents'})`
        : `it has ${info.size - HEADER_BYTES - bytes} bytes more than its header says`,
    );
  const [h, w] = spatial as [number, number];
  const perFrame = (tokenizer.fsq ? 1 : tokenizer.latentChannels) * h * w;
  async function* chunks(): AsyncGenerator<EncodedChunk> {
    let offset = HEADER_BYTES;
    const file = await open(path, 'r');
    try {
      for (const [i, c] of layout.entries()) {
        const values = new Uint16Array(c.latentFrames * perFrame);
        await file.read(Buffer.from(values.buffer), 0, values.byteLength, offset);
        offset += values.byteLength;
        let latent: Latent;
        try {
          latent = channelMajor(tokenizer, values, c.latentFrames, h, w);
        } catch (error) {
          throw corrupt(path, `chunk ${i + 1}: ${(error as Error).message}`);
        }
        if (!tokenizer.fsq && latent.data.some((v) => !Number.isFinite(v)))
          throw corrupt(path, `chunk ${i + 1} holds values that are not finite numbers`);
        const last = i === layout.length - 1;
        yield { latent, frames: c.frames, padded: last ? header.padded : 0 };
      }
    } finally {
      await file.close();
    }
  }
  return { header, chunks };
}
