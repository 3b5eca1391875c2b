import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Frame, rgbFrame, writeFileAtomic } from '../core/index.js';
import { encodeClip } from '../video/index.js';
import { cameraMatrices, worldViews } from './camera.js';
import { captionFor } from './caption.js';
import { readFacts } from './facts.js';
import { makeLook } from './look.js';
import { encodeNpy, type NpyArray } from './npy.js';
import { simulate } from './physics.js';
import { renderView, type ViewVideo } from './render-rollout.js';
import { sampleKey } from './sample-key.js';
import type { SampleMeta } from './sample-meta.js';
import { findScenario, type PushPolicy } from './scenarios/index.js';
import { ACTION_SIZE, POSE_SIZE, type Rollout } from './world.js';

/** What a sample can hold; `actions` only the push scenario's. */
export const SIM_CHANNELS = ['rgb', 'mask', 'depth', 'edges', 'normals', 'poses', 'actions'] as const;
export type SimChannel = (typeof SIM_CHANNELS)[number];

/** `none` renders every channel and writes nothing: for benchmarks. */
export type SimFormat = 'npy' | 'shards' | 'none';

/** One unit of work: one rollout (scenario, seed), rendered in `looks` looks through the given views. */
export interface SimJob {
  scenario: string;
  seed: number;
  frames: number;
  fps: number;
  size: number;
  views: number[];
  looks: number;
  format: SimFormat;
  /** Output root (npy form: samples are written under <out>/<scenario>/<key>/). */
  out: string;
  policy?: PushPolicy;
  /** The arrays written per sample (default: all). */
  channels?: readonly SimChannel[];
  /** MP4 quality for shards. */
  crf?: number;
}

export interface JobSample {
  key: string;
  /** npy form: the sample's folder. */
  dir?: string;
  /** shards form: WebDataset members by extension. */
  members?: Record<string, Uint8Array | string>;
}

export interface JobResult {
  samples: JobSample[];
  physicsMs: number;
  renderMs: number;
  /** View frames rendered (frames x views x looks). */
  framesRendered: number;
}

export async function runJob(job: SimJob): Promise<JobResult> {
  const scenario = findScenario(job.scenario);
  if (!scenario) throw new Error(`unknown scenario ${job.scenario}`);
  let started = performance.now();
  const world = scenario.generate(job.seed, {
    frames: job.frames,
    fps: job.fps,
    ...(job.policy ? { policy: job.policy } : {}),
  });
  const rollout = await simulate(world, job.frames, job.fps);
  const physicsMs = performance.now() - started;
  const facts = readFacts(rollout);
  const cameras = worldViews(world, job.size, job.size);
  const samples: JobSample[] = [];
  let renderMs = 0;
  for (let look = 0; look < job.looks; look++) {
    const appearance = makeLook(world, look);
    const caption = captionFor(rollout, appearance, facts);
    for (const view of job.views) {
      started = performance.now();
      const video = renderView(rollout, appearance, cameras[view]!);
      renderMs += performance.now() - started;
      const key = sampleKey(job.scenario, job.seed, view, look);
      const arrays = channelArrays(rollout, video, job.channels);
      const meta = sampleMeta(key, rollout, video, view, appearance, facts, caption, job.format, arrays);
      if (job.format === 'none') samples.push({ key });
      else if (job.format === 'npy') samples.push(await writeNpySample(job, key, meta, arrays));
      else samples.push(await shardMembers(job, key, meta, arrays, video));
    }
  }
  return { samples, physicsMs, renderMs, framesRendered: job.frames * job.views.length * job.looks };
}

interface ChannelArray {
  name: SimChannel;
  data: NpyArray;
  shape: number[];
  description: string;
}

/** The sample's arrays, those of `only` where given. */
function channelArrays(rollout: Rollout, video: ViewVideo, only?: readonly SimChannel[]): ChannelArray[] {
  const { frames, width: w, height: h } = video;
  const arrays: ChannelArray[] = [
    { name: 'rgb', data: video.rgb, shape: [frames, h, w, 3], description: 'anti-aliased color' },
    {
      name: 'mask',
      data: video.mask,
      shape: [frames, h, w],
      description: 'instance id per pixel center (body id; 0 sky)',
    },
    { name: 'depth', data: video.depth, shape: [frames, h, w], description: 'camera z in meters (0: sky)' },
    {
      name: 'edges',
      data: video.edges,
      shape: [frames, h, w],
      description: '255 on occlusion boundaries and creases',
    },
    {
      name: 'normals',
      data: video.normals,
      shape: [frames, h, w, 3],
      description: 'world normal as (n + 1) * 127.5 (0: sky)',
    },
    {
      name: 'poses',
      data: rollout.poses,
      shape: [frames, rollout.world.bodies.length, POSE_SIZE],
      description: 'x, y, z, qx, qy, qz, qw per body',
    },
  ];
  if (rollout.actions)
    arrays.push({
      name: 'actions',
      data: rollout.actions,
      shape: [frames, ACTION_SIZE],
      description: '7-D action per frame',
    });
  return only ? arrays.filter((a) => only.includes(a.name)) : arrays;
}

function sampleMeta(
  key: string,
  rollout: Rollout,
  video: ViewVideo,
  view: number,
  look: ReturnType<typeof makeLook>,
  facts: ReturnType<typeof readFacts>,
  caption: string,
  format: SimFormat,
  arrays: readonly ChannelArray[],
): SampleMeta {
  const { world, frames } = rollout;
  const { K, Rt } = cameraMatrices(video.camera);
  const poses: number[][][] = [];
  for (let f = 0; f < frames; f++) {
    poses.push(
      world.bodies.map((_, b) =>
        Array.from(
          rollout.poses.subarray(
            (f * world.bodies.length + b) * POSE_SIZE,
            (f * world.bodies.length + b + 1) * POSE_SIZE,
          ),
        ),
      ),
    );
  }
  const actions = rollout.actions
    ? Array.from({ length: frames }, (_, f) =>
        Array.from(rollout.actions!.subarray(f * ACTION_SIZE, (f + 1) * ACTION_SIZE)),
      )
    : null;
  const channels: SampleMeta['channels'] = {};
  for (const c of arrays) {
    const file =
      format === 'npy'
        ? `${c.name}.npy`
        : c.name === 'rgb'
          ? `${key}.mp4`
          : `${key}.${c.name}.npy${compressed(c.name) ? '.gz' : ''}`;
    channels[c.name] = {
      file,
      dtype: c.data instanceof Float32Array ? 'float32' : 'uint8',
      shape: c.shape,
      description: c.description,
    };
  }
  return {
    key,
    scenario: world.scenario,
    seed: world.seed,
    view,
    look: look.index,
    fps: rollout.fps,
    frames,
    width: video.width,
    height: video.height,
    units: 'meters, seconds, radians; world y is up',
    cameras: {
      convention:
        'opencv: x right, y down, z forward; x_cam = R x_world + t; pixel centers at (u+0.5, v+0.5)',
      K: Array.from({ length: frames }, () => K),
      Rt: Array.from({ length: frames }, () => Rt),
    },
    bodies: world.bodies.map((b, i) => ({
      id: b.id,
      role: b.role,
      motion: b.motion,
      shape: { ...b.shape },
      furniture: b.furniture ?? false,
      color: look.materials[i]!.colorName,
      pattern: look.materials[i]!.pattern,
    })),
    poses,
    actions,
    policy: world.effector?.policy ?? null,
    contacts: rollout.contacts,
    facts: { ...facts },
    caption,
    light: { direction: look.lightDirection, intensity: look.lightIntensity, ambient: look.ambient },
    channels,
  };
}

/** Image channels are gzip-compressed inside shards; poses and actions are small. */
function compressed(name: string): boolean {
  return name !== 'poses' && name !== 'actions';
}

async function writeNpySample(
  job: SimJob,
  key: string,
  meta: SampleMeta,
  arrays: ChannelArray[],
): Promise<JobSample> {
  const dir = join(job.out, job.scenario, key);
  await mkdir(dir, { recursive: true });
  for (const a of arrays) await writeFileAtomic(join(dir, `${a.name}.npy`), encodeNpy(a.data, a.shape));
  await writeFileAtomic(join(dir, 'caption.txt'), `${meta.caption}\n`);
  // Written last: its presence marks the sample complete (a rerun skips it).
  await writeFileAtomic(join(dir, 'sample.json'), `${JSON.stringify(meta)}\n`);
  return { key, dir };
}

async function shardMembers(
  job: SimJob,
  key: string,
  meta: SampleMeta,
  arrays: ChannelArray[],
  video: ViewVideo,
): Promise<JobSample> {
  const members: Record<string, Uint8Array | string> = {};
  if (arrays.some((a) => a.name === 'rgb')) members.mp4 = await encodeMp4(video, job.fps, job.crf ?? 18, key);
  members.json = JSON.stringify(meta);
  members.txt = meta.caption;
  for (const a of arrays) {
    if (a.name === 'rgb') continue;
    const npy = encodeNpy(a.data, a.shape);
    if (compressed(a.name)) members[`${a.name}.npy.gz`] = gzipSync(npy, { level: 1 });
    else members[`${a.name}.npy`] = npy;
  }
  return { key, members };
}

async function encodeMp4(video: ViewVideo, fps: number, crf: number, key: string): Promise<Uint8Array> {
  const n = video.width * video.height * 3;
  const frames: Frame[] = Array.from({ length: video.frames }, (_, f) =>
    rgbFrame(
      { width: video.width, height: video.height, data: video.rgb.subarray(f * n, (f + 1) * n) },
      f,
      fps,
    ),
  );
  const path = join(tmpdir(), `orbis-sim-${process.pid}-${key}.mp4`);
  try {
    await encodeClip(frames, path, { inputFps: fps, crf, preset: 'fast', threads: 1 });
    return new Uint8Array(await readFile(path));
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * One view of one rollout as an H.264 MP4 file (a sim world as plain video, e.g. for `orbis demo` to curate),
 * with its caption.
 */
export async function writeWorldVideo(
  path: string,
  options: {
    scenario: string;
    seed: number;
    frames: number;
    fps: number;
    size: number;
    view?: number;
    look?: number;
  },
): Promise<{ caption: string }> {
  const scenario = findScenario(options.scenario);
  if (!scenario) throw new Error(`unknown scenario ${options.scenario}`);
  const world = scenario.generate(options.seed, { frames: options.frames, fps: options.fps });
  const rollout = await simulate(world, options.frames, options.fps);
  const appearance = makeLook(world, options.look ?? 0);
  const camera = worldViews(world, options.size, options.size)[options.view ?? 0]!;
  const video = renderView(rollout, appearance, camera);
  await writeFileAtomic(
    path,
    await encodeMp4(
      video,
      options.fps,
      18,
      sampleKey(options.scenario, options.seed, options.view ?? 0, options.look ?? 0),
    ),
  );
  return { caption: captionFor(rollout, appearance, readFacts(rollout)) };
}
