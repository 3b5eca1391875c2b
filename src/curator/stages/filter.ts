import type { StageImpl } from '../../pipeline/index.js';
import type { CuratorConfig } from '../config.js';
import type { CuratorItem } from '../records.js';

/**
 * Motion and quality filters, on the scores the analysis pass stored on each clip: dark, frozen, static and
 * blurry clips are dropped, each with the reason and the number that decided it.
 */
export function filterStage(options: { config: CuratorConfig }): StageImpl<CuratorItem, CuratorItem> {
  const f = options.config.filter;
  return {
    process(batch) {
      for (const item of batch) {
        if (item.kind !== 'clip' || item.dropped) continue;
        const s = item.scores;
        const reason =
          (s.darkFraction ?? 0) > f.maxDarkFraction
            ? `dark: ${(100 * (s.darkFraction ?? 0)).toFixed(0)}% of frames near black`
            : (s.frozenFraction ?? 0) > f.maxFrozenFraction
              ? `frozen: ${(100 * (s.frozenFraction ?? 0)).toFixed(0)}% of frames repeat`
              : (s.motion ?? 0) < f.minMotion
                ? `static: motion ${(s.motion ?? 0).toFixed(2)} < ${f.minMotion}`
                : (s.sharpness ?? 0) < f.minSharpness
                  ? `blurry: sharpness ${(s.sharpness ?? 0).toFixed(1)} < ${f.minSharpness}`
                  : undefined;
        if (reason) item.dropped = { stage: 'filter', reason };
      }
      return batch;
    },
  };
}
