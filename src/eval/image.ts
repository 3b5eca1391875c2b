import { channelsOf, type Frame, OrbisError } from '../core/index.js';

/**
 * An image for metrics: interleaved channels, row-major. Samples are uint8 (range 255) or floats whose
 * range the caller states (a [0,1] image has dataRange 1).
 */
export interface Image {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array;
}

export function imageFromFrame(frame: Frame): Image {
  return {
    width: frame.width,
    height: frame.height,
    channels: channelsOf[frame.pixelFormat],
    data: frame.data,
  };
}

export function isIntegerImage(image: Image): boolean {
  return image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray;
}

/** The range of sample values: 255 for uint8, otherwise what the caller states. */
export function resolveDataRange(image: Image, dataRange: number | undefined): number {
  if (dataRange !== undefined) {
    if (!(dataRange > 0 && Number.isFinite(dataRange)))
      throw invalid(`dataRange must be a positive number, not ${dataRange}`);
    return dataRange;
  }
  if (isIntegerImage(image)) return 255;
  throw invalid('float images need an explicit dataRange (1 for images in [0, 1], 255 for [0, 255])');
}

/** Checks that two images can be compared: same shape, not empty, finite samples. */
export function checkPair(pred: Image, target: Image, what = 'images'): void {
  checkImage(pred, 'prediction');
  checkImage(target, 'target');
  if (pred.width !== target.width || pred.height !== target.height || pred.channels !== target.channels) {
    throw invalid(
      `${what} differ in shape: prediction ${shape(pred)}, target ${shape(target)}`,
      'resize one to the other first (orbis eval compare --resize)',
    );
  }
}

export function checkImage(image: Image, name: string): void {
  const { width, height, channels, data } = image;
  if (!(width > 0 && height > 0 && channels > 0)) throw invalid(`the ${name} is empty (${shape(image)})`);
  if (data.length !== width * height * channels) {
    throw invalid(
      `the ${name} holds ${data.length} samples, but ${shape(image)} needs ${width * height * channels}`,
    );
  }
  if (!isIntegerImage(image)) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!))
        throw invalid(`the ${name} has a non-finite sample (${data[i]}) at index ${i}`);
    }
  }
}

function shape(image: Image): string {
  return `${image.width}x${image.height}x${image.channels}`;
}

/** One channel of an image as float64, for filtering. */
export function channelPlane(image: Image, channel: number): Float64Array {
  const { width, height, channels, data } = image;
  const plane = new Float64Array(width * height);
  for (let i = 0, j = channel; i < plane.length; i++, j += channels) plane[i] = data[j]!;
  return plane;
}

export function invalid(message: string, hint?: string): OrbisError {
  return new OrbisError('INVALID_ARGUMENT', message, hint ? { hint } : {});
}
