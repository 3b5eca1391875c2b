/**
 * Shot-boundary detection accuracy on generated edited videos with known boundaries: hard cuts, fades
 * through black, dissolves, with a flash in every shot and a fast pan in every third shot as distractors.
 * Ours against ffmpeg's scdet filter (default threshold 10) on the same videos.
 *
 * Scoring: a detection matches an unmatched true boundary of any kind when it lies within 2 frames of a
 * cut, or inside a gradual transition's frames (2 frames of slack each side). Precision is over all of a
 * detector's detections; recall is per kind; F1 per kind combines the two.
 *
 *   npm run bench:shots -- [--videos 8] [--seed-base 1000]
 * Seeds from --seed-base on; the detector's thresholds were chosen on seeds 0-9, so the default base 1000
 * reports on videos it was not tuned on.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detectShots } from '../src/curator/index.js';
import { makeTestVideo, type ShotBoundary, type TransitionType } from '../src/video/index.js';
import { formatTable } from './harness.js';

const { values } = parseArgs({
  options: { videos: { type: 'string', default: '8' }, 'seed-base': { type: 'string', default: '1000' } },
});
const videos = Number(values.videos);
const seedBase = Number(values['seed-base']);
const dir = mkdtempSync(join(tmpdir(), 'orbis-bench-shots-'));

interface Tally {
  detections: number;
  matched: number;
  truth: Record<'cut' | 'gradual', number>;
  found: Record<'cut' | 'gradual', number>;
}

function score(truth: ShotBoundary[], detected: number[], tally: Tally): void {
  const used = new Set<number>();
  tally.detections += detected.length;
  for (const t of truth) {
    const kind = t.type === 'cut' ? 'cut' : 'gradual';
    tally.truth[kind]++;
    const lo = kind === 'cut' ? t.startFrame - 2 : t.startFrame - 2;
    const hi = kind === 'cut' ? t.startFrame + 2 : t.endFrame + 1;
    const hit = detected.findIndex((f, i) => !used.has(i) && f >= lo && f <= hi);
    if (hit >= 0) {
      used.add(hit);
      tally.found[kind]++;
      tally.matched++;
    }
  }
}

function f1(t: Tally, kind: 'cut' | 'gradual'): { p: number; r: number; f: number } {
  const p = t.detections ? t.matched / t.detections : 0;
  const r = t.truth[kind] ? t.found[kind] / t.truth[kind] : 0;
  return { p, r, f: p + r > 0 ? (2 * p * r) / (p + r) : 0 };
}

/** scdet's detections as frame indices (it logs the time of each scene change). */
function scdet(path: string, fps: number): number[] {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', path, '-vf', 'scdet', '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  return [...run.stderr.matchAll(/lavfi\.scd\.time: ([\d.]+)/g)].map((m) => Math.round(Number(m[1]) * fps));
}

const empty = (): Tally => ({
  detections: 0,
  matched: 0,
  truth: { cut: 0, gradual: 0 },
  found: { cut: 0, gradual: 0 },
});
const ours = empty();
const peer = empty();
const kinds: TransitionType[] = ['cut', 'fade', 'dissolve'];
try {
  for (let v = 0; v < videos; v++) {
    const seed = seedBase + v;
    const video = await makeTestVideo(join(dir, `edit-${seed}.mp4`), {
      width: 320,
      height: 180,
      shots: 10,
      shotSeconds: [2, 3, 2.5, 4],
      transitions: [kinds[seed % 3]!, kinds[(seed + 1) % 3]!, kinds[(seed + 2) % 3]!],
      transitionSeconds: 0.5 + (seed % 3) * 0.25,
      flashes: true,
      fastMotion: true,
      seed,
    });
    const found = await detectShots(video.path);
    score(
      video.boundaries,
      found.map((b) => b.frame),
      ours,
    );
    score(video.boundaries, scdet(video.path, video.fps), peer);
    process.stderr.write(
      `video ${v + 1}/${videos} (seed ${seed}): ${video.boundaries.length} boundaries, ours ${found.length}\n`,
    );
  }
  const row = (name: string, t: Tally): string[] => {
    const cut = f1(t, 'cut');
    const gradual = f1(t, 'gradual');
    return [
      name,
      cut.p.toFixed(3),
      cut.r.toFixed(3),
      cut.f.toFixed(3),
      gradual.r.toFixed(3),
      gradual.f.toFixed(3),
    ];
  };
  process.stdout.write(
    `\n${videos} videos, ${ours.truth.cut} cuts and ${ours.truth.gradual} gradual transitions (seeds ${seedBase}-${seedBase + videos - 1})\n` +
      `${formatTable([['detector', 'precision', 'cut recall', 'cut F1', 'gradual recall', 'gradual F1'], row('orbis', ours), row('ffmpeg scdet', peer)])}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
