/**
 * Evaluation metrics speed, one thread each:
 *   - SSIM on 1080p RGB pairs: ours against scikit-image's structural_similarity (same options: Gaussian
 *     window, population covariance, per channel), both timed in-process on the same frames, values compared;
 *     and against ffmpeg's ssim filter, a different algorithm (8x8 blocks on YUV planes), reported for scale.
 *   - Feature matching + RANSAC + pose: frame pairs per second at 960x540.
 *
 *   npm run bench:eval                 (needs /usr/bin/python3 with python3-skimage for the peer)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Image, ssim, twoViewGeometry } from '../src/eval/index.js';
import { decodeFrames, makeTestVideo } from '../src/video/index.js';
import { renderTwoPlanes } from '../test/two-planes.js';
import { formatTable, median } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-eval-'));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const FRAMES = 6;

try {
  log('generating 1080p frames...');
  const video = await makeTestVideo(join(dir, 'target.mp4'), {
    width: 1920,
    height: 1080,
    shots: 1,
    shotSeconds: 1,
    seed: 2,
  });
  const degraded = join(dir, 'pred.mp4');
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-i',
    video.path,
    '-c:v',
    'libx264',
    '-crf',
    '38',
    '-preset',
    'veryfast',
    degraded,
  ]);
  const read = async (path: string): Promise<Image[]> => {
    const out: Image[] = [];
    for await (const f of decodeFrames(path, { end: FRAMES / video.fps }))
      out.push({ width: f.width, height: f.height, channels: 3, data: f.data });
    return out;
  };
  const [preds, targets] = [await read(degraded), await read(video.path)];
  writeFileSync(join(dir, 'pred.rgb'), Buffer.concat(preds.map((p) => p.data as Uint8Array)));
  writeFileSync(join(dir, 'target.rgb'), Buffer.concat(targets.map((p) => p.data as Uint8Array)));

  const ours: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const start = performance.now();
    values.push(ssim(preds[i]!, targets[i]!, { gaussianWeights: true, useSampleCovariance: false }));
    ours.push(performance.now() - start);
  }

  log('scikit-image...');
  const script = `
import numpy as np, time, json
from skimage.metrics import structural_similarity
n, h, w = ${FRAMES}, 1080, 1920
a = np.fromfile('${join(dir, 'pred.rgb')}', dtype=np.uint8).reshape(n, h, w, 3)
b = np.fromfile('${join(dir, 'target.rgb')}', dtype=np.uint8).reshape(n, h, w, 3)
ms, vs = [], []
for i in range(n):
    t = time.perf_counter()
    vs.append(float(structural_similarity(a[i], b[i], channel_axis=-1, gaussian_weights=True, use_sample_covariance=False, data_range=255)))
    ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({'ms': ms, 'values': vs}))
`;
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', env });
  const sk = py.status === 0 ? (JSON.parse(py.stdout) as { ms: number[]; values: number[] }) : undefined;
  if (!sk) log(`scikit-image unavailable (${py.stderr.trim().split('\n').pop()}); install python3-skimage`);

  log('ffmpeg ssim filter...');
  const rawIn = (file: string): string[] => [
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    '1920x1080',
    '-i',
    join(dir, file),
  ];
  const ffRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-threads',
      '1',
      '-filter_threads',
      '1',
      ...rawIn('pred.rgb'),
      ...rawIn('target.rgb'),
      '-lavfi',
      'ssim',
      '-f',
      'null',
      '-',
    ]);
    ffRuns.push(performance.now() - start);
  }

  log('two-view geometry at 960x540...');
  const k = { fx: 700, fy: 700, cx: 480, cy: 270 };
  const a = renderTwoPlanes(k, 960, 540);
  const b = renderTwoPlanes(
    k,
    960,
    540,
    [0.9976, 0, 0.0698, 0, 1, 0, -0.0698, 0, 0.9976],
    [-0.4, 0.02, 0.05],
  );
  const geo: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    twoViewGeometry(a, b, { intrinsics: k });
    geo.push(performance.now() - start);
  }

  const fps = (ms: number): string => (1000 / ms).toFixed(2);
  const oursMs = median(ours);
  const rows = [
    ['case', 'median ms', 'per second', 'ours / peer'],
    ['SSIM 1080p RGB, ours', oursMs.toFixed(0), fps(oursMs), ''],
  ];
  if (sk) {
    const skMs = median(sk.ms);
    const gap = Math.max(...sk.values.map((v, i) => Math.abs(v - values[i]!)));
    rows.push([
      'SSIM 1080p RGB, scikit-image',
      skMs.toFixed(0),
      fps(skMs),
      `${(skMs / oursMs).toFixed(2)}x (values within ${gap.toExponential(1)})`,
    ]);
  }
  const ffMs = median(ffRuns) / FRAMES;
  rows.push([
    'ssim filter, ffmpeg (8x8 blocks, YUV)',
    ffMs.toFixed(0),
    fps(ffMs),
    `${(ffMs / oursMs).toFixed(2)}x (a different algorithm)`,
  ]);
  const geoMs = median(geo);
  rows.push(['features + match + RANSAC + pose, 960x540', geoMs.toFixed(0), fps(geoMs), '']);
  process.stdout.write(
    `\nmedians over ${FRAMES} frames (SSIM) and 5 pairs (geometry), one thread each\n${formatTable(rows)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
