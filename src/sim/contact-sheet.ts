import { worldViews } from './camera.js';
import { makeLook } from './look.js';
import { simulate } from './physics.js';
import { renderView, type ViewVideo } from './render-rollout.js';
import { findScenario } from './scenarios/index.js';

export interface SheetOptions {
  scenario: string;
  seed: number;
  size: number;
  frames: number;
  fps: number;
  look: number;
  /** Frames shown per row, evenly spaced from the first to the last. */
  columns: number;
}

export interface Sheet {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A contact sheet of one rollout: one row per view (RGB), then view 0's mask (ids in distinct colors),
 * depth (near is bright) and edges; columns are frames from the first to the last.
 */
export async function contactSheet(options: SheetOptions): Promise<Sheet> {
  const scenario = findScenario(options.scenario)!;
  const world = scenario.generate(options.seed, { frames: options.frames, fps: options.fps });
  const rollout = await simulate(world, options.frames, options.fps);
  const look = makeLook(world, options.look);
  const videos = worldViews(world, options.size, options.size).map((camera) =>
    renderView(rollout, look, camera),
  );
  const s = options.size;
  const picks = Array.from({ length: options.columns }, (_, i) =>
    Math.round((i * (options.frames - 1)) / Math.max(1, options.columns - 1)),
  );
  const rows = videos.length + 3;
  const width = s * picks.length;
  const sheet = new Uint8Array(width * s * rows * 3);
  const put = (row: number, col: number, pixel: (p: number) => [number, number, number]): void => {
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const o = ((row * s + y) * width + col * s + x) * 3;
        sheet.set(pixel(y * s + x), o);
      }
    }
  };
  const n = s * s;
  for (const [col, f] of picks.entries()) {
    for (const [row, v] of videos.entries()) {
      put(row, col, (p) => [
        v.rgb[3 * (f * n + p)]!,
        v.rgb[3 * (f * n + p) + 1]!,
        v.rgb[3 * (f * n + p) + 2]!,
      ]);
    }
    const v0 = videos[0] as ViewVideo;
    put(videos.length, col, (p) => idColor(v0.mask[f * n + p]!));
    const far = Math.max(...Array.from(v0.depth.subarray(f * n, (f + 1) * n)).filter((z) => z > 0));
    put(videos.length + 1, col, (p) => {
      const z = v0.depth[f * n + p]!;
      const g = z > 0 ? Math.round(255 * (1 - z / (far * 1.05))) : 0;
      return [g, g, g];
    });
    put(videos.length + 2, col, (p) => {
      const e = v0.edges[f * n + p]!;
      return [e, e, e];
    });
  }
  return { width, height: s * rows, data: sheet };
}

function idColor(id: number): [number, number, number] {
  if (id === 0) return [0, 0, 0];
  const h = Math.imul(id, 0x9e3779b1) >>> 0;
  return [64 + (h & 0xbf), 64 + ((h >>> 8) & 0xbf), 64 + ((h >>> 16) & 0xbf)];
}
