import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { curate, parseCuratorConfig } from '../../curator/index.js';
import { writeWorldVideo } from '../../sim/index.js';
import { makeTestVideo } from '../../video/index.js';
import type { CliContext } from '../context.js';
import { summary } from './curate.js';
import { findWorldModel, predictHeldOutWorld } from './demo-report.js';
import { storeOf } from './models.js';
import type { RoundTripSummary } from './tokenize.js';

/**
 * The main job, end to end, on generated media: make sample videos with known shots (cuts, fades,
 * dissolves, flashes, a fast pan), render two simulated worlds, add a broken file, and curate them all into
 * a dataset; then, with the models installed, a curated clip through a tokenizer and futures of a held-out
 * sim world from a world model, scored against the truth in an HTML report.
 */
export async function demoCommand(
  ctx: CliContext,
  options: { out: string; worldModel?: string },
): Promise<number> {
  const out = resolve(ctx.io.cwd, options.out);
  // A --world-model that is not installed fails now, not after the curation.
  await findWorldModel(ctx, options.worldModel);
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
  const tokenized = await tokenizeCuratedClip(ctx, join(out, 'dataset'), join(out, 'tokenizer'));
  const predicted = await predictHeldOutWorld(
    ctx,
    join(out, 'predict'),
    options.worldModel ? { worldModel: options.worldModel } : {},
  );
  ctx.result(
    [
      `generated ${videos.length} edited videos with ${boundaries} known shot boundaries, ${worlds.length} simulated worlds (${worlds.map((w) => w.scenario).join(', ')}) and 1 broken file`,
      ...summary(report),
      tokenized.line,
      predicted.line,
    ],
    { ...report, tokenizer: tokenized.summary ?? null, predict: predicted.summary ?? null },
  );
  return 0;
}

/** The first member named `name` of a ustar tar file (a WebDataset shard). */
function tarMember(tar: Uint8Array, name: string): Uint8Array | undefined {
  const text = new TextDecoder('latin1');
  for (let at = 0; at + 512 <= tar.length; ) {
    const member = text.decode(tar.subarray(at, at + 100)).replace(/\0.*$/s, '');
    if (!member) return undefined;
    const size = Number.parseInt(
      text
        .decode(tar.subarray(at + 124, at + 136))
        .replace(/\0.*$/s, '')
        .trim(),
      8,
    );
    if (member === name) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/**
 * Round-trip one curated clip (a simulated world's, where one was kept) through an installed tokenizer,
 * tokenizer-cv4x8x8 when present; without one the step is skipped and says so.
 */
async function tokenizeCuratedClip(
  ctx: CliContext,
  dataset: string,
  out: string,
): Promise<{ line: string; summary?: RoundTripSummary }> {
  const { models } = await storeOf(ctx).list();
  const tokenizers = models.filter((m) => m.manifest.family.startsWith('tokenizer'));
  const model = tokenizers.find((m) => m.manifest.name === 'tokenizer-cv4x8x8') ?? tokenizers[0];
  if (!model) return { line: 'no tokenizer installed, so no clip went through one (see orbis models list)' };
  const rows = (await readFile(join(dataset, 'manifest.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; kept: boolean; shard?: string; source?: string });
  const kept = rows.filter((r) => r.kept && r.shard);
  const row = kept.find((r) => r.source?.includes('sim ')) ?? kept[0];
  const mp4 = row && tarMember(await readFile(join(dataset, row.shard!)), `${row.id}.mp4`);
  if (!row || !mp4) return { line: 'no curated clip to put through the tokenizer' };
  await mkdir(out, { recursive: true });
  const clip = join(out, 'clip.mp4');
  await writeFile(clip, mp4);
  const { loadTokenizer, roundTripLine, roundTripVideo } = await import('./tokenize.js');
  const tokenizer = await loadTokenizer(ctx, model.manifest.name);
  try {
    const summary = await roundTripVideo(ctx, tokenizer, clip, {
      chunk: '17',
      out: join(out, 'reconstruction.mp4'),
    });
    return { line: `curated clip ${row.id} through ${roundTripLine(summary)}; ${summary.out}`, summary };
  } finally {
    await tokenizer.close();
  }
}
