import { OrbisError, toOrbisError } from '../../core/index.js';
import { OnnxEmbedder } from '../../embed/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { AestheticModel } from '../aesthetic.js';
import { sampleClipFrames } from '../clip-frames.js';
import type { CuratorConfig } from '../config.js';
import type { ClipRecord, CuratorItem } from '../records.js';

/**
 * Motion and quality filters, on the scores the analysis pass stored on each clip: dark, frozen, static and
 * blurry clips are dropped, each with the reason and the number that decided it. When configured, learned
 * models then look at frames sampled from each clip still kept: an aesthetic/quality scorer (its score is
 * stored, and a clip under `minScore` drops) and an image encoder whose embedding replaces the built-in one.
 */
export function filterStage(options: { config: CuratorConfig }): StageImpl<CuratorItem, CuratorItem> {
  const f = options.config.filter;
  const e = options.config.embed;
  let aesthetic: AestheticModel | undefined;
  let encoder: OnnxEmbedder | undefined;
  return {
    async setup() {
      if (f.aesthetic)
        aesthetic = await loading('filter.aesthetic.path', () =>
          AestheticModel.load(f.aesthetic!.path, imageSpec(f.aesthetic!)),
        );
      if (e)
        encoder = await loading('embed.path', () =>
          OnnxEmbedder.load(e.path, {
            ...imageSpec(e),
            framesPerClip: e.frames,
            ...(e.name ? { name: e.name } : {}),
          }),
        );
    },
    async teardown() {
      await aesthetic?.close();
      await encoder?.close();
    },
    async process(batch) {
      for (const item of batch) {
        if (item.kind !== 'clip' || item.dropped) continue;
        const reason = ruleReason(item, f);
        if (reason) item.dropped = { stage: 'filter', reason };
        else if (aesthetic || encoder) await learned(item);
      }
      return batch;
    },
  };

  async function learned(clip: ClipRecord): Promise<void> {
    try {
      if (aesthetic && f.aesthetic) {
        const frames = await sampleClipFrames(clip, f.aesthetic.frames, aesthetic.size);
        const score = await aesthetic.score(frames);
        clip.scores.aesthetic = score;
        if (score < f.aesthetic.minScore) {
          clip.dropped = {
            stage: 'filter',
            reason: `aesthetic: score ${score.toFixed(3)} < ${f.aesthetic.minScore}`,
          };
          return;
        }
      }
      if (encoder) {
        const frames = await sampleClipFrames(clip, encoder.framesPerClip, encoder.frameWidth);
        clip.embedding = Array.from(await encoder.embed(frames));
        clip.embeddingModel = encoder.name;
      }
    } catch (error) {
      // A clip the models cannot read is recorded on the clip and dropped; the batch goes on.
      const err = toOrbisError(error);
      clip.errors.filter = err.code;
      clip.dropped = { stage: 'filter', reason: err.oneLine() };
    }
  }
}

function ruleReason(clip: ClipRecord, f: CuratorConfig['filter']): string | undefined {
  const s = clip.scores;
  if ((s.darkFraction ?? 0) > f.maxDarkFraction)
    return `dark: ${(100 * (s.darkFraction ?? 0)).toFixed(0)}% of frames near black`;
  if ((s.frozenFraction ?? 0) > f.maxFrozenFraction)
    return `frozen: ${(100 * (s.frozenFraction ?? 0)).toFixed(0)}% of frames repeat`;
  if ((s.motion ?? 0) < f.minMotion) return `static: motion ${(s.motion ?? 0).toFixed(2)} < ${f.minMotion}`;
  if ((s.sharpness ?? 0) < f.minSharpness)
    return `blurry: sharpness ${(s.sharpness ?? 0).toFixed(1)} < ${f.minSharpness}`;
  return undefined;
}

function imageSpec(m: { size: number; mean?: [number, number, number]; std?: [number, number, number] }) {
  return { size: m.size, ...(m.mean ? { mean: m.mean } : {}), ...(m.std ? { std: m.std } : {}) };
}

/** Load a model; a failure names the setting that points at it. */
async function loading<T>(setting: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const e = toOrbisError(error);
    throw new OrbisError(e.code, e.message, {
      cause: e,
      hint: `${e.hint ? `${e.hint}; ` : ''}the model is curator setting "${setting}"`,
    });
  }
}
