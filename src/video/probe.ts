import {
  type AudioStreamInfo,
  parseRational,
  type Rational,
  rationalValue,
  VideoError,
  type VideoInfo,
  type VideoStreamInfo,
} from '../core/index.js';
import { checkInputFile, classifyInputFailure } from './input-errors.js';
import { ffmpegCodecs, inputUrl, runTool } from './tools.js';

export interface ProbeOptions {
  /**
   * Count packets when the container does not store a frame count (Matroska, WebM, streams):
   * `auto` (default) counts only then, `always` counts every time, `never` estimates from duration x fps.
   */
  countFrames?: 'auto' | 'always' | 'never';
  signal?: AbortSignal;
}

interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  coded_width?: number;
  coded_height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  bit_rate?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; start_time?: string; bit_rate?: string; size?: string };
}

/** What a video holds: container, streams, codec, size, frame rate (and whether it varies), length, rotation. */
export async function probe(path: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  const { sizeBytes } = await checkInputFile(path);
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', inputUrl(path)];
  const result = await runTool('ffprobe', args, withSignal(options.signal));
  if (result.code !== 0) throw await classifyInputFailure(path, result.stderr, 'ffprobe');
  const raw = JSON.parse(result.stdout || '{}') as RawProbe;
  const streams = raw.streams ?? [];
  if (!raw.format) throw await classifyInputFailure(path, result.stderr, 'ffprobe');
  if (streams.length === 0) {
    throw new VideoError('VIDEO_NO_VIDEO_STREAM', path, `${path} holds no streams at all`, {
      hint: 'the file is an empty container; re-export it',
    });
  }

  const videoRaw = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!videoRaw) {
    const audioOnly = streams.some((s) => s.codec_type === 'audio');
    throw new VideoError(
      'VIDEO_NO_VIDEO_STREAM',
      path,
      audioOnly ? `${path} has audio but no video stream` : `${path} has no video stream`,
      { hint: 'give a file with a video track' },
    );
  }
  await checkDecodable(path, videoRaw);

  const video = videoStream(videoRaw, raw.format.duration);
  if (options.countFrames === 'always' || (options.countFrames !== 'never' && !video.frameCountExact)) {
    video.frameCount = await countPackets(path, videoRaw.index, options.signal);
    video.frameCountExact = true;
  }
  const audioRaw = streams.find((s) => s.codec_type === 'audio');
  return {
    path,
    sizeBytes,
    container: raw.format.format_name ?? 'unknown',
    duration: num(raw.format.duration) ?? video.duration,
    startTime: num(raw.format.start_time) ?? video.startTime,
    bitRate: num(raw.format.bit_rate),
    video,
    audio: audioRaw ? audioStream(audioRaw) : undefined,
    hasAudio: audioRaw !== undefined,
    streams: streams.map((s) => ({
      index: s.index,
      type: s.codec_type ?? 'unknown',
      codec: s.codec_name ?? 'unknown',
    })),
  };
}

async function checkDecodable(path: string, stream: RawStream): Promise<void> {
  const codec = stream.codec_name;
  const { decoders } = await ffmpegCodecs();
  if (!codec || codec === 'none' || !decoders.has(codec)) {
    const name = codec && codec !== 'none' ? codec : `unknown (tag ${stream.codec_tag_string ?? '?'})`;
    throw new VideoError(
      'VIDEO_UNSUPPORTED_CODEC',
      path,
      `${path} uses the video codec ${name}, which this ffmpeg cannot decode`,
      {
        hint: 'transcode it to H.264 first, or install an ffmpeg build with that decoder',
        details: { codec: name },
      },
    );
  }
}

function videoStream(s: RawStream, formatDuration: string | undefined): VideoStreamInfo {
  const frameRate = parseRational(s.r_frame_rate);
  const averageFrameRate = parseRational(s.avg_frame_rate);
  const fpsNominal = rationalValue(frameRate);
  const fpsAverage = rationalValue(averageFrameRate);
  const fps = fpsAverage > 0 ? fpsAverage : fpsNominal;
  const duration = num(s.duration) ?? num(formatDuration) ?? 0;
  const stored = num(s.nb_frames);
  const rotation = displayRotation(s);
  const codedWidth = s.width ?? 0;
  const codedHeight = s.height ?? 0;
  const swap = rotation === 90 || rotation === 270;
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    profile: s.profile,
    pixelFormat: s.pix_fmt,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotation,
    frameRate,
    averageFrameRate,
    fps,
    // The nominal rate is the lowest that represents every timestamp; an average that differs from it
    // means frames are unevenly spaced.
    variableFrameRate:
      fpsNominal > 0 && fpsAverage > 0 && Math.abs(fpsNominal - fpsAverage) / fpsNominal > 0.001,
    frameCount: stored && stored > 0 ? stored : Math.round(duration * fps),
    frameCountExact: stored !== undefined && stored > 0,
    timeBase: parseRational(s.time_base),
    startTime: num(s.start_time) ?? 0,
    duration,
    bitRate: num(s.bit_rate),
  };
}

function audioStream(s: RawStream): AudioStreamInfo {
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    sampleRate: num(s.sample_rate),
    channels: s.channels,
  };
}

/** Clockwise rotation a player applies, from the display matrix (counter-clockwise) or the old rotate tag. */
function displayRotation(s: RawStream): number {
  const matrix = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const clockwise = matrix !== undefined ? -matrix : Number(s.tags?.rotate ?? 0);
  return (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
}

async function countPackets(path: string, index: number, signal: AbortSignal | undefined): Promise<number> {
  const args = ['-v', 'error', '-select_streams', String(index), '-count_packets'];
  args.push('-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', inputUrl(path));
  const result = await runTool('ffprobe', args, withSignal(signal));
  const count = Number.parseInt(result.stdout.trim(), 10);
  if (result.code !== 0 || !Number.isFinite(count))
    throw await classifyInputFailure(path, result.stderr, 'ffprobe');
  return count;
}

function num(text: string | undefined): number | undefined {
  if (text === undefined || text === 'N/A') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

export type { Rational };
