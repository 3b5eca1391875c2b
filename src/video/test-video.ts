import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OrbisError, writeAtomic } from '../core/index.js';
import { runTool } from './tools.js';

/**
 * Synthetic videos with known shot boundaries, made from ffmpeg's lavfi sources, so tests and benchmarks
 * generate their media instead of committing it. Every shot uses a different source or look; shots are
 * joined by hard cuts, fades through black, or dissolves, and the exact frames of each boundary are returned.
 */

export type TransitionType = 'cut' | 'fade' | 'dissolve';

export interface ShotBoundary {
  type: TransitionType;
  /** Time the transition starts (a cut: the first frame of the new shot), in seconds. */
  time: number;
  /** Time the transition ends and the new shot stands alone; equals `time` for a cut. */
  endTime: number;
  /** Frames of the transition, [startFrame, endFrame); for a cut, endFrame = startFrame + 1. */
  startFrame: number;
  endFrame: number;
}

export interface TestVideoOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Number of shots (default 4). */
  shots?: number;
  /** Length of each shot in seconds (default 2); a list gives each shot its own length. */
  shotSeconds?: number | number[];
  /** Transitions between consecutive shots, cycled (default cut, fade, dissolve). */
  transitions?: TransitionType[];
  /** Length of fades and dissolves in seconds (default 0.5). */
  transitionSeconds?: number;
  /** Add a 2-frame flash (a burst of brightness, not a shot change) in the middle of each shot. */
  flashes?: boolean;
  /** Make every third shot a fast camera pan (large motion inside one shot, not a shot change). */
  fastMotion?: boolean;
  /** Drop a regular pattern of frames so timestamps are uneven (a variable-frame-rate file). */
  variableFrameRate?: boolean;
  /** Add a sine-tone audio track. */
  audio?: boolean;
  /** Put the MP4 index first (default true); false leaves it at the end, as cameras write files. */
  faststart?: boolean;
  /** Varies which sources and colors each shot gets. */
  seed?: number;
  crf?: number;
  preset?: string;
  /**
   * Encode on one thread (default true), so the same options always give the same bytes: x264's frame
   * threads can change its output under CPU load, and a test's input must not. Benchmarks making long
   * videos turn it off for speed.
   */
  reproducible?: boolean;
}

export interface TestVideo {
  path: string;
  width: number;
  height: number;
  fps: number;
  /** Frames in the file. */
  frames: number;
  duration: number;
  boundaries: ShotBoundary[];
  /** Timestamps (seconds) of every frame in the file, in order. */
  timestamps: number[];
  /** Events inside shots that are not shot changes (flashes, fast pans), for testing detectors. */
  distractors: { type: 'flash' | 'fast-motion'; startFrame: number; endFrame: number }[];
}

// Sources that draw random state get it fixed: life and cellauto a seed (ffmpeg's default, -1, draws a new one
// each run), gradients its colours and end points (with those left out it draws new ones each run, seed or
// not). A test's input must be the same bytes every time.
const sources = [
  (s: string) => `testsrc2=size=${s}`,
  (s: string) => `mandelbrot=size=${s}:maxiter=64`,
  (s: string) => `smptehdbars=size=${s}`,
  (s: string) => `life=size=${s}:mold=10:ratio=0.2:death_color=#202040:life_color=#e0c020:seed=1`,
  (s: string) => `cellauto=size=${s}:rule=110:seed=1`,
  (s: string) => `rgbtestsrc=size=${s}`,
  (s: string) => `testsrc=size=${s}`,
  (s: string, w: number, h: number) =>
    `gradients=size=${s}:c0=0x3050a0:c1=0xe0a040:nb_colors=2:x0=0:y0=0:x1=${w - 1}:y1=${h - 1}:speed=0.03`,
];

/** Frames a variable-frame-rate test video drops: a fixed pattern, so timestamps are known exactly. */
function dropped(n: number): boolean {
  return n % 7 === 3 || n % 11 === 5;
}

export async function makeTestVideo(out: string, options: TestVideoOptions = {}): Promise<TestVideo> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const fps = options.fps ?? 30;
  const shots = options.shots ?? 4;
  const lengths = Array.from({ length: shots }, (_, i) => {
    const s = options.shotSeconds;
    return Array.isArray(s) ? (s[i % s.length] ?? 2) : (s ?? 2);
  });
  const transitions = options.transitions ?? ['cut', 'fade', 'dissolve'];
  const tSec = options.transitionSeconds ?? 0.5;
  const seed = options.seed ?? 0;
  if (shots < 1 || width < 16 || height < 16 || !(fps > 0)) {
    throw new OrbisError(
      'INVALID_ARGUMENT',
      'a test video needs at least 1 shot, 16x16 pixels and a positive fps',
    );
  }

  const size = `${width}x${height}`;
  const parts: string[] = [];
  const panning = (i: number): boolean => options.fastMotion === true && i % 3 === 2;
  for (let i = 0; i < shots; i++) {
    // A fast pan: a window sliding over a source twice the size, up to about a twelfth of the width per frame.
    const source = panning(i)
      ? `testsrc2=size=${2 * width}x${2 * height}:rate=${fps},crop=${width}:${height}:x='(in_w-out_w)/2*(1-cos(n/6))':y='(in_h-out_h)/2*(1-cos(n/9))'`
      : `${sources[(i + seed) % sources.length]!(size, width, height)}:rate=${fps}`;
    const hue = ((i * 67 + seed * 31) % 360) - 180;
    parts.push(
      `${source},trim=duration=${lengths[i]},setpts=PTS-STARTPTS,format=yuv420p,hue=h=${hue},setsar=1,settb=AVTB[s${i}]`,
    );
  }
  // Join shot by shot, tracking the running length to place each transition exactly.
  const boundaries: ShotBoundary[] = [];
  let current = 's0';
  let length = lengths[0]!;
  for (let i = 1; i < shots; i++) {
    const type = transitions[(i - 1) % transitions.length]!;
    const next = `j${i}`;
    const startFrame = Math.round(length * fps);
    if (type === 'cut') {
      parts.push(`[${current}][s${i}]concat=n=2:v=1:a=0[${next}]`);
      boundaries.push({ type, time: length, endTime: length, startFrame, endFrame: startFrame + 1 });
      length += lengths[i]!;
    } else {
      const offset = length - tSec;
      const kind = type === 'fade' ? 'fadeblack' : 'fade';
      parts.push(`[${current}][s${i}]xfade=transition=${kind}:duration=${tSec}:offset=${offset}[${next}]`);
      const first = Math.round(offset * fps);
      boundaries.push({
        type,
        time: offset,
        endTime: offset + tSec,
        startFrame: first,
        endFrame: first + Math.round(tSec * fps),
      });
      length += lengths[i]! - tSec;
    }
    current = next;
  }
  const total = Math.round(length * fps);
  // Each shot's solo part (outside transitions), to place distractors where no boundary is.
  const solo = lengths.map((_, i) => ({
    start: i === 0 ? 0 : boundaries[i - 1]!.endTime,
    end: i === shots - 1 ? length : boundaries[i]!.time,
  }));
  const distractors: { type: 'flash' | 'fast-motion'; startFrame: number; endFrame: number }[] = [];
  for (const [i, s] of solo.entries()) {
    if (panning(i))
      distractors.push({
        type: 'fast-motion',
        startFrame: Math.round(s.start * fps),
        endFrame: Math.round(s.end * fps),
      });
  }
  let last = current;
  if (options.flashes) {
    const flashes = solo.map((s) => Math.round(((s.start + s.end) / 2) * fps));
    const enable = flashes.map((f) => `between(n\\,${f}\\,${f + 1})`).join('+');
    parts.push(`[${last}]eq=brightness=0.6:enable='${enable}'[flash]`);
    last = 'flash';
    for (const f of flashes) distractors.push({ type: 'flash', startFrame: f, endFrame: f + 2 });
  }
  if (options.variableFrameRate) {
    parts.push(`[${last}]select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,11)\\,5))'[vfr]`);
    last = 'vfr';
  }
  parts.push(`[${last}]format=yuv420p[v]`);
  if (options.audio) parts.push(`sine=frequency=440:duration=${length}[a]`);

  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-filter_complex', parts.join(';')];
  args.push('-map', '[v]');
  if (options.audio) args.push('-map', '[a]', '-c:a', 'aac');
  args.push('-c:v', 'libx264', '-preset', options.preset ?? 'veryfast', '-crf', String(options.crf ?? 20));
  if (options.reproducible !== false) args.push('-threads', '1');
  args.push('-fps_mode', options.variableFrameRate ? 'vfr' : 'cfr', '-r', String(fps));
  if (options.variableFrameRate) args.splice(args.indexOf('-r'), 2);
  if (options.faststart ?? true) args.push('-movflags', '+faststart');

  await mkdir(dirname(out), { recursive: true });
  await writeAtomic(out, async (temp) => {
    const result = await runTool('ffmpeg', [...args, '-f', 'mp4', temp]);
    if (result.code !== 0) {
      throw new OrbisError(
        'VIDEO_ENCODE_FAILED',
        `could not generate a test video: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
    }
  });

  // Map frame numbers of the full-rate sequence onto the frames the file keeps.
  const kept: number[] = [];
  for (let n = 0; n < total; n++) if (!options.variableFrameRate || !dropped(n)) kept.push(n);
  const indexOf = (n: number): number => {
    let lo = 0;
    while (lo < kept.length && kept[lo]! < n) lo++;
    return lo;
  };
  return {
    path: out,
    width,
    height,
    fps,
    frames: kept.length,
    duration: length,
    boundaries: boundaries.map((b) => ({
      ...b,
      startFrame: indexOf(b.startFrame),
      endFrame: indexOf(b.endFrame),
    })),
    timestamps: kept.map((n) => n / fps),
    distractors: distractors.map((d) => ({
      ...d,
      startFrame: indexOf(d.startFrame),
      endFrame: indexOf(d.endFrame),
    })),
  };
}

/** An audio-only file (a sine tone), for testing inputs that have no video. */
export async function makeTestAudio(out: string, seconds = 1): Promise<string> {
  await mkdir(dirname(out), { recursive: true });
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=duration=${seconds}`,
  ];
  const result = await runTool('ffmpeg', [...args, '-c:a', 'aac', out]);
  if (result.code !== 0)
    throw new OrbisError('VIDEO_ENCODE_FAILED', `could not generate test audio: ${result.stderr}`);
  return out;
}
