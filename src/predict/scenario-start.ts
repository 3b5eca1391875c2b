import { OrbisError } from '../core/index.js';
import {
  captionFor,
  findScenario,
  makeLook,
  readFacts,
  renderView,
  SCENARIOS,
  simulate,
  worldViews,
} from '../sim/index.js';
import type { TokenizerFrame } from '../tokenizer/index.js';

/** A fresh sim state to predict from: its first frames, its caption, and (push) the actions of every frame. */
export interface ScenarioStart {
  /** The first `frames` frames of the rollout, rendered at the model's size. */
  frames: TokenizerFrame[];
  caption: string;
  /** [length][7] when the scenario has an end effector. */
  actions?: number[][];
  /** Every frame of the simulated rollout, for comparing with the futures. */
  truth: TokenizerFrame[];
}

export interface ScenarioStartOptions {
  /** Conditioning frames (1 or 9). */
  frames: number;
  /** Frames to simulate: the future's length. */
  length: number;
  width: number;
  height: number;
  fps?: number;
  view?: number;
  look?: number;
}

/**
 * Simulate `scenario` from `seed` for `length` frames and render one view in one look. The caption describes
 * the whole rollout, as the captions the model was trained with do.
 */
export async function scenarioStart(
  scenario: string,
  seed: number,
  options: ScenarioStartOptions,
): Promise<ScenarioStart> {
  const found = findScenario(scenario);
  if (!found)
    throw new OrbisError('SIM_UNKNOWN_SCENARIO', `unknown scenario "${scenario}"`, {
      hint: `use one of ${SCENARIOS.map((s) => s.name).join(', ')}`,
    });
  const { length, width, height, fps = 24 } = options;
  const world = found.generate(seed, { frames: length, fps });
  const rollout = await simulate(world, length, fps);
  const look = makeLook(world, options.look ?? 0);
  const video = renderView(rollout, look, worldViews(world, width, height)[options.view ?? 0]!);
  const plane = width * height * 3;
  const truth = Array.from({ length }, (_, f) => ({
    width,
    height,
    data: video.rgb.slice(f * plane, (f + 1) * plane),
  }));
  const perFrame = world.effector?.actions;
  const actions = perFrame
    ? Array.from({ length }, (_, f) => Array.from(perFrame.subarray(f * 7, f * 7 + 7)))
    : undefined;
  return {
    frames: truth.slice(0, options.frames),
    caption: captionFor(rollout, look, readFacts(rollout)),
    truth,
    ...(actions ? { actions } : {}),
  };
}
