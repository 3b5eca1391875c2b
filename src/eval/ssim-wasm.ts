import { readFileSync } from 'node:fs';
import type { Image } from './image.js';

/**
 * The SSIM kernel for 8-bit images in WebAssembly with 128-bit SIMD (source: assembly/ssim.ts, built with
 * `npm run build:wasm`). It computes in f32 on samples centred at 128, four output pixels per instruction;
 * results agree with the f64 path to about 1e-6 (the golden tests hold it to 1e-4).
 */

/** The slice of the WebAssembly API used here (the DOM lib that types it is not loaded in Node builds). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Kernel {
  memory: WasmMemory;
  run(
    pred: number,
    target: number,
    width: number,
    height: number,
    channels: number,
    channel: number,
    weights: number,
    taps: number,
    c1: number,
    c2: number,
    covNorm: number,
    scratch: number,
  ): void;
  resultSsim(): number;
  resultCs(): number;
  scratchBytes(width: number, taps: number): number;
}

let kernel: Kernel | null | undefined;

function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = readFileSync(new URL('./wasm/ssim.wasm', import.meta.url));
    const instance = new wasm.Instance(new wasm.Module(bytes), {
      env: {
        abort: () => {
          throw new Error('ssim.wasm aborted');
        },
      },
    });
    kernel = instance.exports as unknown as Kernel;
  } catch {
    kernel = null; // no SIMD support in this engine: the f64 JavaScript path is used instead
  }
  return kernel;
}

const BASE = 65536;
const align = (n: number): number => (n + 15) & ~15;

/** Per-channel SSIM and CS means for two uint8 images, or undefined when the kernel is unavailable. */
export function ssimChannelsWasm(
  pred: Image,
  target: Image,
  weights: Float64Array,
  constants: { c1: number; c2: number; covNorm: number },
): { ssim: number; cs: number }[] | undefined {
  const k = load();
  if (!k) return undefined;
  const { width, height, channels } = target;
  const bytes = width * height * channels;
  const taps = weights.length;
  const predAt = BASE;
  const targetAt = align(predAt + bytes);
  const weightsAt = align(targetAt + bytes);
  const scratchAt = align(weightsAt + taps * 4);
  const end = scratchAt + k.scratchBytes(width, taps) + 64;
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  const heap = new Uint8Array(k.memory.buffer);
  heap.set(pred.data as Uint8Array, predAt);
  heap.set(target.data as Uint8Array, targetAt);
  new Float32Array(k.memory.buffer, weightsAt, taps).set(weights);
  const out: { ssim: number; cs: number }[] = [];
  const count = (width - taps + 1) * (height - taps + 1);
  for (let ch = 0; ch < channels; ch++) {
    k.run(
      predAt,
      targetAt,
      width,
      height,
      channels,
      ch,
      weightsAt,
      taps,
      constants.c1,
      constants.c2,
      constants.covNorm,
      scratchAt,
    );
    out.push({ ssim: k.resultSsim() / count, cs: k.resultCs() / count });
  }
  return out;
}
