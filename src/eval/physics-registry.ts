import { OrbisError } from '../core/index.js';
import type { LoadedPredictor } from './physics.js';
import {
  constantVelocityPredictor,
  copyLastPredictor,
  type RoundTripper,
  tokenizerPredictor,
} from './physics-baselines.js';

/** What a predictor factory may need from the layer that runs the evaluation. */
export interface PredictorContext {
  /** Load a tokenizer from models/ (`VideoTokenizer.load` through the configured store). */
  loadTokenizer(name: string): Promise<RoundTripper>;
}

export type PredictorFactory = (ctx: PredictorContext) => Promise<LoadedPredictor>;

/** The tokenizer the world model generates in: its round trip is the IoU/PSNR ceiling. */
export const PHYSICS_TOKENIZER = 'tokenizer-dv4x8x8';

const predictors = new Map<string, PredictorFactory>([
  ['copy-last', async () => copyLastPredictor()],
  ['constant-velocity', async () => constantVelocityPredictor()],
  [
    'tokenizer',
    async (ctx) => tokenizerPredictor(PHYSICS_TOKENIZER, await ctx.loadTokenizer(PHYSICS_TOKENIZER)),
  ],
]);

/**
 * Plug a predictor in under a model name: the world model registers here (from a layer that may import
 * predict/) and `orbis eval physics --model <name>` runs it. A later registration of a name replaces it.
 */
export function registerPhysicsPredictor(name: string, factory: PredictorFactory): void {
  predictors.set(name, factory);
}

export function physicsPredictorNames(): string[] {
  return [...predictors.keys()];
}

/**
 * A predictor by name. `tokenizer:<name>` is the round-trip ceiling of any installed tokenizer (`tokenizer` is
 * the one the shipped world model generates in), to tell what a world model over another token space could reach.
 */
export async function loadPhysicsPredictor(name: string, ctx: PredictorContext): Promise<LoadedPredictor> {
  const tokenizer = /^tokenizer:(.+)$/.exec(name)?.[1];
  if (tokenizer) return tokenizerPredictor(tokenizer, await ctx.loadTokenizer(tokenizer), name);
  const factory = predictors.get(name);
  if (!factory)
    throw new OrbisError('INVALID_ARGUMENT', `unknown model "${name}" for the physics evaluation`, {
      hint: `choose from ${physicsPredictorNames().join(', ')}, or tokenizer:<an installed tokenizer>`,
    });
  return factory(ctx);
}
