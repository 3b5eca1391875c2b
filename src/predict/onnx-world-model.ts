import { OrbisError } from '../core/index.js';
import { createTensor, type ModelSession, type ModelStore, type Tensor } from '../runtime/index.js';
import {
  parseWorldModelConfig,
  type WorldModel,
  type WorldModelConfig,
  type WorldModelRollout,
} from './world-model.js';

export const WORLD_MODEL_FAMILY = 'world-model';

export interface WorldModelOptions {
  providers?: ('cuda' | 'cpu')[];
  /** ONNX Runtime intra-op threads; 0 or absent lets the runtime choose. */
  threads?: number;
}

/** A world model exported as `step.onnx` (one step with a key/value cache), from the model store. */
export async function loadWorldModel(
  store: ModelStore,
  name: string,
  options: WorldModelOptions = {},
): Promise<WorldModel> {
  const model = await store.resolve(name);
  if (model.manifest.family !== WORLD_MODEL_FAMILY)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `model "${name}" is a ${model.manifest.family}, not a ${WORLD_MODEL_FAMILY}`,
      { hint: 'pick a world model with --model (see orbis models list)' },
    );
  const config = parseWorldModelConfig(name, model.manifest.config);
  const session = await store.open(model, 'step', options);
  return new OnnxWorldModel(model.manifest.name, model.manifest.version, config, session);
}

class OnnxWorldModel implements WorldModel {
  readonly specificationVersion = 'v1';

  constructor(
    readonly name: string,
    readonly version: string,
    readonly config: WorldModelConfig,
    private readonly session: ModelSession,
  ) {}

  rollout(batch: number, actions?: Float32Array): WorldModelRollout {
    const { grid, actionFeatures } = this.config;
    const size = batch * grid[0] * actionFeatures;
    if (actions && actions.length !== size)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `action features hold ${actions.length} values; a batch of ${batch} needs ${size} ([${batch}, ${grid[0]}, ${actionFeatures}])`,
      );
    return new OnnxRollout(this.session, this.config, batch, actions ?? new Float32Array(size));
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

class OnnxRollout implements WorldModelRollout {
  private past: Tensor;
  private readonly actions: Tensor;

  constructor(
    private readonly session: ModelSession,
    private readonly config: WorldModelConfig,
    readonly batch: number,
    actions: Float32Array,
  ) {
    const { layers, heads, headDim, grid, actionFeatures } = config;
    this.past = createTensor('float32', new Float32Array(0), [layers, 2, batch, heads, 0, headDim]);
    this.actions = createTensor('float32', actions, [batch, grid[0], actionFeatures]);
  }

  get length(): number {
    return this.past.dims[4]!;
  }

  async step(tokens: ArrayLike<number>): Promise<Float32Array> {
    const s = tokens.length / this.batch;
    if (!Number.isInteger(s) || s < 1)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `${tokens.length} tokens do not split into ${this.batch} rows`,
      );
    const ids = BigInt64Array.from(Array.from(tokens, (t) => BigInt(t)));
    const out = await this.session.run({
      tokens: createTensor('int64', ids, [this.batch, s]),
      start: createTensor('int64', BigInt64Array.of(BigInt(this.length)), [1]),
      actions: this.actions,
      past: this.past,
    });
    const logits = out.logits!;
    const width = this.config.levels.reduce((a, b) => a + b, 0);
    if (logits.dims[0] !== this.batch || logits.dims[1] !== width)
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `the world model gave logits [${logits.dims.join(', ')}], not [${this.batch}, ${width}]`,
        { hint: 'its config.levels do not match its output: export it again' },
      );
    this.past = out.present!;
    return logits.data as Float32Array;
  }
}
