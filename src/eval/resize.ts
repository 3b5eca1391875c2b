import type { Image } from './image.js';

/**
 * Bicubic resampling as PIL does it (Keys cubic, a = -0.5, with the kernel widened by the scale factor
 * when shrinking, so downscaling averages instead of aliasing). Separable: rows, then columns. For 8-bit
 * images, like PIL, each pass rounds and clips to 0..255 (the clipping matters where the kernel's negative
 * lobes overshoot); float images stay unclipped.
 */
export function resizeBicubic(image: Image, width: number, height: number): Image & { data: Float64Array } {
  const eightBit = image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray;
  const horizontal = resample1d(image, width, image.width, image.height, true);
  if (eightBit) quantize(horizontal.data);
  const result = resample1d(horizontal, height, width, image.height, false);
  if (eightBit) quantize(result.data);
  return result;
}

function quantize(data: Float64Array): void {
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(data[i]!)));
}

function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

function resample1d(
  image: Image,
  outSize: number,
  width: number,
  height: number,
  alongX: boolean,
): Image & { data: Float64Array } {
  const inSize = alongX ? width : height;
  const channels = image.channels;
  const scale = inSize / outSize;
  const support = 2 * Math.max(1, scale);
  const filterScale = Math.max(1, scale);
  const outW = alongX ? outSize : width;
  const outH = alongX ? height : outSize;
  const out = new Float64Array(outW * outH * channels);
  const src = image.data;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // PIL's window: taps from round(center - support) up to round(center + support), clamped to the image.
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const weights: number[] = [];
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = cubic((i + 0.5 - center) / filterScale);
      weights.push(w);
      total += w;
    }
    for (let k = 0; k < weights.length; k++) weights[k]! /= total;
    const lines = alongX ? height : width;
    for (let line = 0; line < lines; line++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let i = lo; i < hi; i++) {
          const at = alongX ? (line * width + i) * channels + c : (i * width + line) * channels + c;
          sum += weights[i - lo]! * src[at]!;
        }
        const dst = alongX ? (line * outW + o) * channels + c : (o * outW + line) * channels + c;
        out[dst] = sum;
      }
    }
  }
  return { width: outW, height: outH, channels, data: out };
}
