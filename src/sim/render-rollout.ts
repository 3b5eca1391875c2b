import type { Camera } from './camera.js';
import { type FrameGeometry, frameGeometry } from './frame-geometry.js';
import { type FrameMotion, movedBodies, stillBodies } from './frame-motion.js';
import type { Look } from './look.js';
import { allocateChannels, type FrameChannels, ViewRenderer } from './render.js';
import { buildShadowMap, type ShadowMap } from './shadow-map.js';
import type { Rollout } from './world.js';

/** One view of a rollout rendered in one look: every channel for every frame, frame-major. */
export interface ViewVideo {
  camera: Camera;
  frames: number;
  width: number;
  height: number;
  /** [frames, height, width, 3] */
  rgb: Uint8Array;
  /** [frames, height, width] */
  mask: Uint8Array;
  /** [frames, height, width], meters */
  depth: Float32Array;
  /** [frames, height, width] */
  edges: Uint8Array;
  /** [frames, height, width, 3] */
  normals: Uint8Array;
}

/** The frame `f` of a view video as channel views (no copy). */
export function frameOf(video: ViewVideo, f: number): FrameChannels {
  const n = video.width * video.height;
  return {
    rgb: video.rgb.subarray(3 * n * f, 3 * n * (f + 1)),
    mask: video.mask.subarray(n * f, n * (f + 1)),
    depth: video.depth.subarray(n * f, n * (f + 1)),
    edges: video.edges.subarray(n * f, n * (f + 1)),
    normals: video.normals.subarray(3 * n * f, 3 * n * (f + 1)),
  };
}

/** Render every frame of `rollout` through `camera` in `look`. */
export function renderView(rollout: Rollout, look: Look, camera: Camera): ViewVideo {
  const { width, height } = camera;
  const frames = rollout.frames;
  const one = allocateChannels(width, height);
  const video: ViewVideo = {
    camera,
    frames,
    width,
    height,
    rgb: new Uint8Array(frames * one.rgb.length),
    mask: new Uint8Array(frames * one.mask.length),
    depth: new Float32Array(frames * one.depth.length),
    edges: new Uint8Array(frames * one.edges.length),
    normals: new Uint8Array(frames * one.normals.length),
  };
  const renderer = new ViewRenderer(camera, rollout.world, look);
  const casts = Uint8Array.from(rollout.world.bodies.map((b) => (b.role === 'floor' ? 0 : 1)));
  const { focus, viewDistance } = rollout.world;
  const motion: FrameMotion = {
    moved: new Uint8Array(rollout.world.bodies.length),
    still: stillBodies(rollout),
  };
  let shadow: ShadowMap | undefined;
  let geometry: FrameGeometry | undefined;
  for (let f = 0; f < frames; f++) {
    geometry = frameGeometry(rollout, f, geometry);
    movedBodies(rollout, f, motion.moved);
    shadow = buildShadowMap(geometry, casts, look.lightDirection, focus, viewDistance * 0.9, shadow, motion);
    renderer.render(geometry, shadow, frameOf(video, f), motion);
  }
  return video;
}
