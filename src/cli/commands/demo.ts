import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { formatTimecode, writeFileAtomic } from '../../core/index.js';
import { cutClip, makeTestVideo, probe, type TestVideo, thumbnail } from '../../video/index.js';
import type { CliContext } from '../context.js';

/**
 * The main job, end to end, on generated media: make sample videos with known shots, probe them, and cut
 * every shot into an H.264 clip with a thumbnail. Until the curator lands, shot boundaries come from the
 * generator's ground truth rather than a detector.
 */
export async function demoCommand(ctx: CliContext, options: { out: string }): Promise<number> {
  const out = resolve(ctx.io.cwd, options.out);
  await mkdir(join(out, 'videos'), { recursive: true });
  const started = Date.now();

  const make = ctx.progress.task('generate videos', 2);
  const videos: TestVideo[] = [
    await makeTestVideo(join(out, 'videos', 'workshop.mp4'), {
      width: 640,
      height: 360,
      shots: 5,
      shotSeconds: [3, 2.5, 4, 2, 3],
      transitions: ['cut', 'fade', 'dissolve', 'cut'],
      seed: 1,
    }),
  ];
  make.tick();
  videos.push(
    await makeTestVideo(join(out, 'videos', 'handheld vfr.mp4'), {
      width: 640,
      height: 360,
      shots: 3,
      shotSeconds: 3,
      transitions: ['cut'],
      variableFrameRate: true,
      audio: true,
      seed: 4,
    }),
  );
  make.tick();
  make.done();

  const rows: { video: string; clip: string; start: number; end: number; frames: number; thumb: string }[] =
    [];
  const plan = videos.map((v) => ({ video: v, shots: shotsOf(v) }));
  const cut = ctx.progress.task(
    'cut clips',
    plan.reduce((n, p) => n + p.shots.length, 0),
  );
  for (const { video, shots } of plan) {
    const info = await probe(video.path, { signal: ctx.signal });
    ctx.log.debug(`probed ${video.path}`, {
      frames: info.video.frameCount,
      vfr: info.video.variableFrameRate,
    });
    const stem = relative(join(out, 'videos'), video.path)
      .replace(/\.mp4$/, '')
      .replace(/\s+/g, '-');
    for (const [i, shot] of shots.entries()) {
      const clipPath = join(out, 'clips', `${stem}-shot${i}.mp4`);
      const result = await cutClip(video.path, shot, clipPath, {
        preset: 'veryfast',
        crf: 20,
        signal: ctx.signal,
      });
      const thumbPath = clipPath.replace(/\.mp4$/, '.jpg');
      await thumbnail(clipPath, thumbPath, { width: 256, signal: ctx.signal });
      rows.push({
        video: relative(out, video.path),
        clip: relative(out, clipPath),
        ...shot,
        frames: result.frames,
        thumb: relative(out, thumbPath),
      });
      cut.tick();
    }
  }
  cut.done();

  const seconds = (Date.now() - started) / 1000;
  const report = {
    out,
    seconds,
    videos: videos.map((v) => ({ path: relative(out, v.path), frames: v.frames, boundaries: v.boundaries })),
    clips: rows,
  };
  await writeFileAtomic(join(out, 'demo-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const width = Math.max(...rows.map((r) => r.clip.length));
  ctx.result(
    [
      `generated ${videos.length} videos with ${videos.reduce((n, v) => n + v.boundaries.length, 0)} known shot boundaries, cut ${rows.length} clips in ${seconds.toFixed(1)} s`,
      '',
      `${'clip'.padEnd(width)}  ${'span'.padEnd(25)}  frames`,
      ...rows.map(
        (r) =>
          `${r.clip.padEnd(width)}  ${`${formatTimecode(r.start)}-${formatTimecode(r.end)}`.padEnd(25)}  ${r.frames}`,
      ),
      '',
      `report: ${join(out, 'demo-report.json')}`,
    ],
    report,
  );
  return 0;
}

/** The shots between boundaries; gradual transitions belong to neither neighbour. */
function shotsOf(video: TestVideo): { start: number; end: number }[] {
  const shots: { start: number; end: number }[] = [];
  let start = 0;
  for (const b of video.boundaries) {
    shots.push({ start, end: b.time });
    start = b.endTime;
  }
  shots.push({ start, end: video.duration });
  return shots.filter((s) => s.end - s.start > 0.2);
}
