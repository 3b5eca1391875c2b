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
export const PHYSICS_TOKENIZER = 'tokenizer-dv8x16x16';

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

export async function loadPhysicsPredictor(name: string, ctx: PredictorContext): Promise<LoadedPredictor> {
  const factory = predictors.get(name);
  if (!factory)
    throw new OrbisError('INVALID_ARGUMENT', `unknown model "${name}" for the physics evaluation`, {
      hint: `choose from ${physicsPredictorNames().join(', ')}`,
    });
  return factory(ctx);
}
