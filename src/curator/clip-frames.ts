import type { EmbedFrame } from '../embed/index.js';
import { decodeFrames } from '../video/index.js';
import type { ClipRecord } from './records.js';

/**
 * `count` frames of a clip, at the middles of `count` equal parts of its span, decoded with the shorter
 * side at `shortSide` pixels: what learned scorers and encoders look at. One short seek-and-decode per
 * frame, so a long clip costs no more than a short one.
 */
export async function sampleClipFrames(
  clip: Pick<ClipRecord, 'source' | 'span' | 'width' | 'height' | 'fps'>,
  count: number,
  shortSide: number,
  signal?: AbortSignal,
): Promise<EmbedFrame[]> {
  const size = clip.width >= clip.height ? { height: shortSide } : { width: shortSide };
  const { start, end } = clip.span;
  const frames: EmbedFrame[] = [];
  for (let k = 0; k < count; k++) {
    const t = start + ((k + 0.5) * (end - start)) / count;
    for await (const frame of decodeFrames(clip.source, {
      ...size,
      start: t,
      end: Math.min(end, t + 2 / clip.fps),
      pixelFormat: 'rgb24',
      ...(signal ? { signal } : {}),
    })) {
      frames.push({ width: frame.width, height: frame.height, data: frame.data });
      break;
    }
  }
  return frames;
}
