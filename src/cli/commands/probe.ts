import { formatTimecode, type VideoInfo } from '../../core/index.js';
import { probe } from '../../video/index.js';
import type { CliContext } from '../context.js';

export async function probeCommand(
  ctx: CliContext,
  video: string,
  options: { countFrames?: boolean },
): Promise<number> {
  const info = await probe(video, {
    countFrames: options.countFrames ? 'always' : 'auto',
    signal: ctx.signal,
  });
  ctx.result(describe(info), info);
  return 0;
}

export function describe(info: VideoInfo): string[] {
  const v = info.video;
  const rate = `${round(v.fps)} fps ${v.variableFrameRate ? `(variable; nominal ${round(v.frameRate.num / v.frameRate.den)})` : '(constant)'}`;
  const size = v.rotation
    ? `${v.width}x${v.height} (stored ${v.codedWidth}x${v.codedHeight}, rotated ${v.rotation}°)`
    : `${v.width}x${v.height}`;
  const audio = info.audio
    ? `${info.audio.codec}${info.audio.sampleRate ? ` ${info.audio.sampleRate} Hz` : ''}${info.audio.channels ? ` ${info.audio.channels} ch` : ''}`
    : 'none';
  return [
    info.path,
    `  container  ${info.container}, ${megabytes(info.sizeBytes)}${info.bitRate ? `, ${(info.bitRate / 1e6).toFixed(2)} Mb/s` : ''}`,
    `  video      ${v.codec}${v.profile ? ` ${v.profile}` : ''} ${v.pixelFormat ?? ''}, ${size}, ${rate}`,
    `  length     ${formatTimecode(info.duration)} (${info.duration.toFixed(3)} s), ${v.frameCount} frames${v.frameCountExact ? '' : ' (estimated)'}`,
    `  audio      ${audio}`,
  ];
}

function round(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}
