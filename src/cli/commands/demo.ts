import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { curate, parseCuratorConfig } from '../../curator/index.js';
import { writeWorldVideo } from '../../sim/index.js';
import { makeTestVideo } from '../../video/index.js';
import type { CliContext } from '../context.js';
import { summary } from './curate.js';

/**
 * The main job, end to end, on generated media: make sample videos with known shots (cuts, fades,
 * dissolves, flashes, a fast pan), render two simulated worlds, add a broken file, and curate them all into
 * a dataset.
 */
export async function demoCommand(ctx: CliContext, options: { out: string }): Promise<number> {
  const out = resolve(ctx.io.cwd, options.out);
  const inputs = join(out, 'videos');
  await mkdir(inputs, { recursive: true });
  const make = ctx.progress.task('generate videos', 4);
  const videos = [
    await makeTestVideo(join(inputs, 'workshop.mp4'), {
      width: 640,
      height: 360,
      shots: 5,
      shotSeconds: [3, 2.5, 4, 3, 3],
      transitions: ['cut', 'fade', 'dissolve', 'cut'],
      flashes: true,
      fastMotion: true,
      seed: 0,
    }),
  ];
  make.tick();
  videos.push(
    await makeTestVideo(join(inputs, 'handheld vfr.mp4'), {
      width: 640,
      height: 360,
      shots: 3,
      shotSeconds: 3,
      transitions: ['cut'],
      variableFrameRate: true,
      audio: true,
      seed: 3,
    }),
  );
  make.tick();
  await writeFile(join(inputs, 'broken upload.mp4'), 'this upload was interrupted');
  make.tick();
  // Two synthetic worlds from the simulator: physics the curator has never seen edited.
  const worlds = [
    { scenario: 'mix', seed: 1 },
    { scenario: 'push', seed: 2 },
  ];
  for (const w of worlds)
    await writeWorldVideo(join(inputs, `sim ${w.scenario} ${w.seed}.mp4`), {
      ...w,
      frames: 96,
      fps: 24,
      size: 256,
    });
  make.tick();
  make.done();
  const report = await curate([inputs], {
    out: join(out, 'dataset'),
    config: parseCuratorConfig(ctx.config.curator ?? {}, 'the "curator" section of the config'),
    signal: ctx.signal,
    progress: ctx.progress,
    log: ctx.log,
  });
  const boundaries = videos.reduce((n, v) => n + v.boundaries.length, 0);
  ctx.result(
    [
      `generated ${videos.length} edited videos with ${boundaries} known shot boundaries, ${worlds.length} simulated worlds (${worlds.map((w) => w.scenario).join(', ')}) and 1 broken file`,
      ...summary(report),
    ],
    report,
  );
  return 0;
}
