/**
 * decodeFrames throughput against ffmpeg decoding the same file to the same size and pixel format into
 * its null muxer (`-f null -`): the cost of getting frames into Node over a pipe, with exact timestamps.
 *
 *   npm run bench                       # default: 7 interleaved runs per input
 *   npm run bench -- --runs 11 --json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  decodeFrames,
  ffmpegPaths,
  ffmpegVersion,
  makeTestVideo,
  planDecode,
  probe,
} from '../src/video/index.js';
import { type Comparison, compare, formatTable, runCommand } from './harness.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, json: { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
const log = values.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-'));

const inputs = [
  { name: '720p30 H.264, 20 s', width: 1280, height: 720, seconds: 20 },
  { name: '1080p30 H.264, 10 s', width: 1920, height: 1080, seconds: 10 },
];
const output = { width: 640, height: 360, pixelFormat: 'rgb24' as const };

try {
  const results: (Comparison & { input: string; frames: number })[] = [];
  for (const input of inputs) {
    log(`generating ${input.name}...`);
    const video = await makeTestVideo(join(dir, `${input.height}p.mp4`), {
      width: input.width,
      height: input.height,
      shots: 4,
      shotSeconds: input.seconds / 4,
      transitions: ['cut'],
      seed: 2, // sources without mandelbrot, which is slow to render at these sizes
      preset: 'veryfast',
    });
    const info = await probe(video.path);
    const plan = planDecode(info, output);
    const { ffmpeg } = ffmpegPaths();
    const peerArgs = [...plan.args, '-vf', plan.filter, '-fps_mode', 'passthrough', '-f', 'null', '-'];
    log(
      `${input.name} -> ${output.width}x${output.height} ${output.pixelFormat}, ${info.video.frameCount} frames`,
    );
    const result = await compare(
      input.name,
      'frames',
      {
        name: 'decodeFrames',
        run: async () => {
          let n = 0;
          for await (const _ of decodeFrames(video.path, { ...output, info })) n++;
          return n;
        },
      },
      {
        name: 'ffmpeg -f null',
        run: async () => {
          await runCommand(ffmpeg, peerArgs);
          return info.video.frameCount;
        },
      },
      { runs, log },
    );
    results.push({ ...result, input: input.name, frames: info.video.frameCount });
  }

  const version = (await ffmpegVersion()).version;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ffmpeg: version, output, runs, results }, null, 2)}\n`);
  } else {
    const rows = [
      ['input', 'decodeFrames fps', 'ffmpeg -f null fps', 'ratio'],
      ...results.map((r) => [
        r.input,
        r.ours.median.toFixed(1),
        r.peer.median.toFixed(1),
        r.ratio.toFixed(3),
      ]),
    ];
    process.stdout.write(
      `\ndecode to ${output.width}x${output.height} ${output.pixelFormat}, median of ${runs} runs, ffmpeg ${version}\n`,
    );
    process.stdout.write(`${formatTable(rows)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
