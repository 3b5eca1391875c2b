/**
 * NumPy's .npy format (version 1.0): a magic string, a header that is a Python dict literal padded to a
 * multiple of 64 bytes, then the raw little-endian array in C order. `numpy.load` reads it as is.
 */

export type NpyArray = Uint8Array | Float32Array;

function descr(data: NpyArray): string {
  return data instanceof Float32Array ? '<f4' : '|u1';
}

export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`npy: shape ${shape.join('x')} does not hold ${data.length} values`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr(data)}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays hold host byte order; every platform Node runs on here is little-endian.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Read back an .npy written by encodeNpy (for tests and tools). */
export function decodeNpy(bytes: Uint8Array): { data: NpyArray; shape: number[] } {
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const descr = /'descr': '([^']*)'/.exec(header)?.[1];
  if (descr !== '<f4' && descr !== '|u1')
    throw new Error(
      `an .npy of dtype ${descr ?? '(none)'}: only float32 (<f4) and uint8 (|u1) are read here`,
    );
  const start = 10 + headerLength;
  const body = bytes.slice(start);
  const data = descr === '<f4' ? new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4) : body;
  return { data, shape };
}
