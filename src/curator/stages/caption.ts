import { toOrbisError } from '../../core/index.js';
import type { StageImpl } from '../../pipeline/index.js';
import { decodeFrames } from '../../video/index.js';
import { planFrames } from '../caption/captioner.js';
import { OpenAICaptioner } from '../caption/openai-client.js';
import type { CuratorConfig } from '../config.js';
import type { CuratorItem } from '../records.js';

/**
 * Captions for kept clips from a served VLM: frames at the configured rate, sized to the token budget,
 * sent over the OpenAI-compatible API. A caption that fails is recorded on the clip (errors.caption); the
 * clip stays in the dataset without one.
 */
export function captionStage(options: { config: CuratorConfig }): StageImpl<CuratorItem, CuratorItem> {
  const c = options.config.caption;
  if (!c.endpoint) throw new Error('the caption stage needs caption.endpoint');
  const captioner = new OpenAICaptioner({
    endpoint: c.endpoint,
    model: c.model,
    timeoutMs: c.timeoutMs,
    retries: c.retries,
    concurrency: c.concurrency,
    ...(c.apiKey ? { apiKey: c.apiKey } : {}),
  });
  return {
    async process(batch) {
      await Promise.all(
        batch.map(async (item) => {
          if (item.kind !== 'clip' || item.dropped) return;
          try {
            const plan = planFrames(item.span.end - item.span.start, item.width, item.height, {
              fps: c.fps,
              tokenBudget: c.tokenBudget,
            });
            const frames = [];
            for await (const f of decodeFrames(item.source, {
              start: item.span.start,
              end: item.span.end,
              fps: plan.fps,
              width: plan.width,
              height: plan.height,
            })) {
              frames.push(f);
              if (frames.length === plan.count) break;
            }
            const caption = await captioner.caption(frames);
            item.caption = caption.text;
          } catch (error) {
            item.errors.caption = toOrbisError(error).code;
          }
        }),
      );
      return batch;
    },
  };
}
