// The ustar shard writer lives in core (sim writes shards too); the curator keeps its names.
export {
  removePartialShards,
  type ShardOptions,
  type ShardSample as Sample,
  ShardWriter,
  tarHeader,
} from '../core/index.js';

/**
 * The shard group of a clip, so a trainer can read clips of one shape together: resolution, aspect ratio,
 * and length buckets, e.g. "720p_16x9_short".
 */
export function shardGroup(width: number, height: number, seconds: number): string {
  const short = Math.min(width, height);
  const resolution =
    short <= 240
      ? '240p'
      : short <= 360
        ? '360p'
        : short <= 480
          ? '480p'
          : short <= 720
            ? '720p'
            : short <= 1080
              ? '1080p'
              : '4k';
  const ratio = width / height;
  const aspects: [string, number][] = [
    ['16x9', 16 / 9],
    ['4x3', 4 / 3],
    ['1x1', 1],
    ['3x4', 3 / 4],
    ['9x16', 9 / 16],
    ['21x9', 21 / 9],
  ];
  const [aspect, value] = aspects.reduce((best, a) =>
    Math.abs(Math.log(a[1] / ratio)) < Math.abs(Math.log(best[1] / ratio)) ? a : best,
  );
  const named = Math.abs(Math.log(value / ratio)) < 0.05 ? aspect : 'other';
  const length = seconds < 5 ? 'short' : seconds < 20 ? 'medium' : 'long';
  return `${resolution}_${named}_${length}`;
}
