import { crc32, deflateSync } from 'node:zlib';
import type { Frame } from '../core/index.js';

/**
 * Encode an 8-bit RGB or gray frame as PNG. Each row uses the "Sub" filter, which suits natural and
 * synthetic images alike and costs one subtraction per byte.
 */
export function encodePng(
  frame: Pick<Frame, 'width' | 'height' | 'pixelFormat' | 'data'>,
  level = 6,
): Buffer {
  const { width, height, data } = frame;
  const channels = frame.pixelFormat === 'gray' ? 1 : 3;
  const stride = width * channels;
  const raw = Buffer.allocUnsafe((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const src = y * stride;
    const dst = y * (stride + 1);
    raw[dst] = 1;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? data[src + x - channels]! : 0;
      raw[dst + 1 + x] = (data[src + x]! - left) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // gray or truecolor
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}
