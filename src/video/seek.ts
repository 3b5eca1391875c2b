import type { VideoInfo } from '../core/index.js';

/**
 * Input options that jump close to `start` before decoding. Containers with a sample index (MP4/MOV,
 * Matroska/WebM) seek to the keyframe at or before the target; others (MPEG-TS, AVI, FLV...) may land
 * on a later keyframe, losing the frames between, so they are decoded from the beginning instead. Either
 * way a trim on the container's timestamps then keeps exactly the span asked for.
 */
export function seekArgs(info: VideoInfo, start: number | undefined): string[] {
  if (!start || start <= 0) return [];
  if (!/mov|mp4|matroska|webm/.test(info.container)) return [];
  return ['-noaccurate_seek', '-ss', start.toFixed(6)];
}
