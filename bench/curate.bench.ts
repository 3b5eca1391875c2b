/**
 * Curator throughput on a generated corpus (default: 10 minutes of 720p30 H.264 in 2-minute videos):
 * end-to-end clips and video-seconds per second, the per-stage breakdown, the analysis path (decode at
 * analysis size + shot detection + filter sampling) against ffmpeg decoding the same videos at the same size
 * into its null muxer, and the peak memory of the Node process (sampled).
 *
 *   npm run bench:curate -- [--minutes 10] [--height 720] [--video-minutes 2] [--stages split,filter,...]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeVideo, curate, parseCuratorConfig, parseStages } from '../src/curator/index.js';
import { makeTestVideo, probe } from '../src/video/index.js';
import { formatTable } from './harness.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    height: { type: 'string', default: '720' },
    'video-minutes': { type: 'string', default: '2' },
    stages: { type: 'string' },
    'one-file': { type: 'boolean', default: false },
  },
});
const stages = values.stages ? parseStages([values.stages], parseCuratorConfig({})) : undefined;
const minutes = Number(values.minutes);
const height = Number(values.height);
const width = Math.round((height * 16) / 9 / 2) * 2;
const perVideo = Number(values['video-minutes']);
const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-curate-'));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

try {
  let count = Math.max(1, Math.round(minutes / perVideo));
  const inputs = join(dir, 'inputs');
  const generated = performance.now();
  for (let v = 0; v < count; v++) {
    log(`generating video ${v + 1}/${count} (${perVideo} min, ${width}x${height})...`);
    // Shots of 4-12 s, every kind of transition, flashes and fast pans: a realistic edit.
    await makeTestVideo(join(inputs, `source-${v}.mp4`), {
      width,
      height,
      shots: Math.round((perVideo * 60) / 8),
      shotSeconds: [6, 9, 4.5, 12, 8],
      transitions: ['cut', 'dissolve', 'cut', 'fade'],
      flashes: true,
      fastMotion: true,
      seed: 2 + v,
      preset: 'ultrafast',
      reproducible: false,
    });
  }
  if (values['one-file']) {
    // One long input (the memory question: does a longer video need more?), joined without re-encoding.
    const list = join(dir, 'parts.txt');
    writeFileSync(
      list,
      Array.from({ length: count }, (_, v) => `file '${join(inputs, `source-${v}.mp4`)}'\n`).join(''),
    );
    spawnSync('ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      list,
      '-c',
      'copy',
      join(dir, 'joined.mp4'),
    ]);
    for (let v = 0; v < count; v++) rmSync(join(inputs, `source-${v}.mp4`));
    renameSync(join(dir, 'joined.mp4'), join(inputs, 'source-0.mp4'));
    count = 1;
  }
  log(`generated in ${((performance.now() - generated) / 1000).toFixed(0)} s`);

  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  const started = performance.now();
  const report = await curate([inputs], { out: join(dir, 'out'), ...(stages ? { stages } : {}) });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const stage = (name: string) => report.stages.find((s) => s.name === name);
  const inPipeline = ((stage('split')?.busyMs ?? 0) + (stage('filter')?.busyMs ?? 0)) / 1000;

  // The analysis path alone (decode at 96 px wide + shots + clip scores, as the split stage runs it) against
  // its peer, ffmpeg decoding the same video at the same size into its null muxer; interleaved per video.
  let oursAlone = 0;
  let peerSeconds = 0;
  for (let v = 0; v < count; v++) {
    const path = join(inputs, `source-${v}.mp4`);
    const peerStart = performance.now();
    spawnSync('ffmpeg', [
      '-loglevel',
      'error',
      '-i',
      path,
      '-vf',
      'scale=96:-2:flags=area,format=rgb24',
      '-f',
      'null',
      '-',
    ]);
    peerSeconds += (performance.now() - peerStart) / 1000;
    const info = await probe(path);
    const oursStart = performance.now();
    await analyzeVideo(path, info, { width: 96, maxClipFrames: 60 * 30 });
    oursAlone += (performance.now() - oursStart) / 1000;
  }

  const rows = [
    ['stage', 'items in', 'items out', 'busy s', 'busy share', 'workers'],
    ...report.stages.map((s) => [
      s.name,
      String(s.itemsIn),
      String(s.itemsOut),
      (s.busyMs / 1000).toFixed(1),
      `${Math.round(100 * s.busyShare)}%`,
      String(s.workers),
    ]),
  ];
  process.stdout.write(
    [
      '',
      `${count} videos, ${minutes} min of ${width}x${height} 30 fps H.264; ${report.counts.clips} clips found, ${report.counts.kept} kept`,
      `end to end: ${seconds.toFixed(1)} s = ${(report.counts.clips / seconds).toFixed(2)} clips/s, ${((minutes * 60) / seconds).toFixed(1)} video-seconds/s`,
      formatTable(rows),
      `analysis path alone ${oursAlone.toFixed(1)} s vs ffmpeg decode at 96 px wide ${peerSeconds.toFixed(1)} s: ratio ${(peerSeconds / oursAlone).toFixed(2)}`,
      `analysis path inside the run (split + filter busy time, sharing the cores with transcode) ${inPipeline.toFixed(1)} s: ratio ${(peerSeconds / inPipeline).toFixed(2)}`,
      `peak memory of the Node process: ${(peakRss / 2 ** 20).toFixed(0)} MiB (ffmpeg children not included)`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
