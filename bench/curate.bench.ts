/**
 * Curator throughput on a generated corpus (default: 10 minutes of 720p30 H.264 in 2-minute videos):
 * end-to-end clips and video-seconds per second, the per-stage breakdown, the analysis path (decode at
 * analysis size + shot detection + filter sampling) against ffmpeg decoding the same videos at the same size
 * into its null muxer, and the peak memory of the Node process (sampled).
 *
 *   npm run bench:curate -- [--minutes 10] [--height 720] [--video-minutes 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { curate } from '../src/curator/index.js';
import { makeTestVideo } from '../src/video/index.js';
import { formatTable } from './harness.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    height: { type: 'string', default: '720' },
    'video-minutes': { type: 'string', default: '2' },
  },
});
const minutes = Number(values.minutes);
const height = Number(values.height);
const width = Math.round((height * 16) / 9 / 2) * 2;
const perVideo = Number(values['video-minutes']);
const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-curate-'));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

try {
  const count = Math.max(1, Math.round(minutes / perVideo));
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
    });
  }
  log(`generated in ${((performance.now() - generated) / 1000).toFixed(0)} s`);

  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  const started = performance.now();
  const report = await curate([inputs], { out: join(dir, 'out') });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  // The peer: ffmpeg decoding every video at the analysis size, nothing else.
  const peerStart = performance.now();
  for (let v = 0; v < count; v++) {
    spawnSync('ffmpeg', [
      '-loglevel',
      'error',
      '-i',
      join(inputs, `source-${v}.mp4`),
      '-vf',
      'scale=96:-2:flags=area,format=rgb24',
      '-f',
      'null',
      '-',
    ]);
  }
  const peerSeconds = (performance.now() - peerStart) / 1000;
  const stage = (name: string) => report.stages.find((s) => s.name === name)!;
  const analysisSeconds = (stage('split').busyMs + stage('filter').busyMs) / 1000;

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
      `${count} videos, ${(count * perVideo).toFixed(0)} min of ${width}x${height} 30 fps H.264; ${report.counts.clips} clips found, ${report.counts.kept} kept`,
      `end to end: ${seconds.toFixed(1)} s = ${(report.counts.clips / seconds).toFixed(2)} clips/s, ${((count * perVideo * 60) / seconds).toFixed(1)} video-seconds/s`,
      formatTable(rows),
      `analysis path (split + filter busy time) ${analysisSeconds.toFixed(1)} s vs ffmpeg decode at 96 px wide ${peerSeconds.toFixed(1)} s: ratio ${(peerSeconds / analysisSeconds).toFixed(2)}`,
      `peak memory of the Node process: ${(peakRss / 2 ** 20).toFixed(0)} MiB (ffmpeg children not included)`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
