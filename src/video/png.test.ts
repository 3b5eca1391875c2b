import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { encodePng } from './png.js';

const dir = tempDir();

/** Decode a PNG with ffmpeg, an independent reader, back to raw pixels. */
function readWithFfmpeg(path: string, pixelFormat: string): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-i',
    path,
    '-f',
    'rawvideo',
    '-pix_fmt',
    pixelFormat,
    '-',
  ]);
}

test('PNGs we write decode to the same pixels in ffmpeg (RGB and gray)', () => {
  const width = 37;
  const height = 23;
  for (const [pixelFormat, channels] of [
    ['rgb24', 3],
    ['gray', 1],
  ] as const) {
    const data = new Uint8Array(width * height * channels);
    let seed = 12345;
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = (seed >>> 16) & 0xff;
    }
    const path = join(dir, `${pixelFormat}.png`);
    writeFileSync(path, encodePng({ width, height, pixelFormat, data }));
    assert.deepEqual(new Uint8Array(readWithFfmpeg(path, pixelFormat)), data);
  }
});
