/** Shared shapes of the platform: frames, clips, time, and what a probe learns about a video. */

/** An exact ratio, as ffmpeg keeps time bases and frame rates. */
export interface Rational {
  num: number;
  den: number;
}

export type PixelFormat = 'rgb24' | 'gray';

/** Bytes per pixel of each pixel format Orbis hands out. */
export const channelsOf: Record<PixelFormat, number> = { rgb24: 3, gray: 1 };

/** A decoded picture: interleaved 8-bit samples, row-major, no padding between rows. */
export interface Frame {
  /** Position in the decoded sequence, from 0. */
  index: number;
  /** Presentation timestamp in `timeBase` units, as ffmpeg reports it. */
  pts: number;
  timeBase: Rational;
  /** Presentation time in seconds (pts x timeBase), on the container's timeline as ffprobe reports it. */
  timestamp: number;
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  data: Uint8Array;
}

/**
 * An 8-bit RGB image as the `index`-th frame of a constant-rate `fps` stream: what encoders take from
 * frames that were made, not decoded (sim renders, model outputs).
 */
export function rgbFrame(
  image: { width: number; height: number; data: Uint8Array },
  index: number,
  fps: number,
): Frame {
  return {
    index,
    pts: index,
    timeBase: { num: 1, den: Math.max(1, Math.round(fps)) },
    timestamp: index / fps,
    width: image.width,
    height: image.height,
    pixelFormat: 'rgb24',
    data: image.data,
  };
}

/** A half-open interval [start, end) of a video, in seconds. */
export interface TimeSpan {
  start: number;
  end: number;
}

/** A span also given in frames, [startFrame, endFrame). */
export interface ClipSpan extends TimeSpan {
  startFrame: number;
  endFrame: number;
}

export type Decision = { kept: true } | { kept: false; reason: string };

/**
 * A clip of a source video, the unit the curator works on. Ids derive from content so reruns and
 * distributed workers produce the same ids.
 */
export interface Clip {
  id: string;
  videoId: string;
  span: ClipSpan;
  scores: Record<string, number>;
  decisions: Record<string, Decision>;
  errors: Record<string, string>;
  embedding?: Float32Array;
  caption?: string;
  files: { mp4?: string; thumb?: string };
}

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | undefined;
  pixelFormat: string | undefined;
  /** Size as displayed, after the rotation a player applies (what decodeFrames yields by default). */
  width: number;
  height: number;
  /** Size as stored in the bitstream. */
  codedWidth: number;
  codedHeight: number;
  /** Clockwise display rotation in degrees: 0, 90, 180 or 270. */
  rotation: number;
  /** Nominal frame rate (ffprobe's r_frame_rate). */
  frameRate: Rational;
  /** Average frame rate over the stream (frames / duration). */
  averageFrameRate: Rational;
  fps: number;
  variableFrameRate: boolean;
  frameCount: number;
  /** True when frameCount came from the container index or a packet count, not from duration x fps. */
  frameCountExact: boolean;
  timeBase: Rational;
  startTime: number;
  duration: number;
  bitRate: number | undefined;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number | undefined;
  channels: number | undefined;
}

export interface VideoInfo {
  path: string;
  sizeBytes: number;
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: string;
  duration: number;
  /** The container's first timestamp (seconds); times given to decode and cut count from here. */
  startTime: number;
  bitRate: number | undefined;
  video: VideoStreamInfo;
  audio: AudioStreamInfo | undefined;
  hasAudio: boolean;
  streams: { index: number; type: string; codec: string }[];
}

export function rationalValue(r: Rational): number {
  return r.den === 0 ? 0 : r.num / r.den;
}

export function parseRational(text: string | undefined): Rational {
  if (!text) return { num: 0, den: 1 };
  const [num, den] = text.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return { num: 0, den: 1 };
  return { num, den: den === undefined || !Number.isFinite(den) ? 1 : den };
}
