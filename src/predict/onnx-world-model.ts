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
    const features = actions ?? new Float32Array(size);
    // Exports since 2026-12-05 take a fixed-size cache the caller keeps (`cache` in, `fresh` out); the first
    // ones (the shipped world-dv8x16x16) pass the whole grown cache in and out (`past`, `present`).
    if (!this.session.inputs.some((i) => i.name === 'cache'))
      return new OnnxRollout(this.session, this.config, batch, features);
    // Exports since speculative decoding return every new position's logits ([batch, new, width]).
    const allPositions = this.session.outputs.find((o) => o.name === 'logits')?.shape.length === 3;
    return allPositions
      ? new AllPositionsRollout(this.session, this.config, batch, features)
      : new FixedCacheRollout(this.session, this.config, batch, features);
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `tokens` [batch, S] as the model's int64 input, with S checked. */
function tokenTensor(tokens: ArrayLike<number>, batch: number): Tensor {
  const s = tokens.length / batch;
  if (!Number.isInteger(s) || s < 1)
    throw new OrbisError('INVALID_ARGUMENT', `${tokens.length} tokens do not split into ${batch} rows`);
  return createTensor('int64', BigInt64Array.from(Array.from(tokens, (t) => BigInt(t))), [batch, s]);
}

/**
 * The step's logits, checked against the config's digit levels: [batch, width] (the last new position) or,
 * from exports that give every new position, [batch, S, width].
 */
function checkedLogits(
  out: Record<string, Tensor>,
  config: WorldModelConfig,
  batch: number,
  s: number,
): Float32Array {
  const logits = out.logits!;
  const width = config.levels.reduce((a, b) => a + b, 0);
  const dims = logits.dims;
  const ok =
    dims[0] === batch &&
    ((dims.length === 2 && dims[1] === width) || (dims.length === 3 && dims[1] === s && dims[2] === width));
  if (!ok)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `the world model gave logits [${dims.join(', ')}], not [${batch}, ${width}] or [${batch}, ${s}, ${width}]`,
      { hint: 'its config.levels do not match its output: export it again' },
    );
  return logits.data as Float32Array;
}

/** Positions a growable cache adds at a time: attention reads the whole buffer, so it stays near the filled length. */
const CACHE_BLOCK = 256;

/**
 * The cache as one buffer, [layers, 2, batch, heads, capacity, headDim], handed to every step without a copy;
 * each step returns the new positions' keys and values, written in here. Exports whose cache has a symbolic
 * `capacity` (since 2026-12-06) start it at a block of positions and grow it by blocks, copying it once a
 * block: every step's attention reads the whole buffer, so a buffer near the filled length halves that work
 * on average over a 4x8x8 future (2,320 positions). Earlier exports take the model's whole sequence.
 */
class FixedCacheRollout implements WorldModelRollout {
  private cache: Float32Array;
  private cacheTensor: Tensor;
  private readonly actions: Tensor;
  private readonly sequence: number;
  private capacity: number;
  protected filled = 0;

  constructor(
    private readonly session: ModelSession,
    protected readonly config: WorldModelConfig,
    readonly batch: number,
    actions: Float32Array,
  ) {
    const { grid, actionFeatures, promptLength } = config;
    this.sequence = promptLength + grid[0] * grid[1] * grid[2];
    const growable = typeof session.inputs.find((i) => i.name === 'cache')?.shape[4] === 'string';
    this.capacity = growable ? Math.min(CACHE_BLOCK, this.sequence) : this.sequence;
    this.cache = this.allocate(this.capacity);
    this.cacheTensor = this.tensorOf(this.cache, this.capacity);
    this.actions = createTensor('float32', actions, [batch, grid[0], actionFeatures]);
  }

  get length(): number {
    return this.filled;
  }

  step(tokens: ArrayLike<number>): Promise<Float32Array> {
    return this.run(tokens);
  }

  /** Feeds the tokens, writes their keys and values into the cache, returns the model's logits as they come. */
  protected async run(tokens: ArrayLike<number>): Promise<Float32Array> {
    const ids = tokenTensor(tokens, this.batch);
    const s = ids.dims[1]!;
    if (this.filled + s > this.sequence)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `${this.filled + s} positions do not fit the world model's sequence of ${this.sequence}`,
      );
    if (this.filled + s > this.capacity)
      this.grow(Math.min(this.sequence, Math.ceil((this.filled + s) / CACHE_BLOCK) * CACHE_BLOCK));
    const out = await this.session.run({
      tokens: ids,
      start: createTensor('int64', BigInt64Array.of(BigInt(this.filled)), [1]),
      actions: this.actions,
      cache: this.cacheTensor,
    });
    const logits = checkedLogits(out, this.config, this.batch, s);
    const fresh = out.fresh!.data as Float32Array; // [layers, 2, batch, heads, s, headDim]
    const row = s * this.config.headDim;
    const rows = fresh.length / row; // layers * 2 * batch * heads
    for (let r = 0; r < rows; r++)
      this.cache.set(
        fresh.subarray(r * row, (r + 1) * row),
        (r * this.capacity + this.filled) * this.config.headDim,
      );
    this.filled += s;
    return logits;
  }

  private allocate(capacity: number): Float32Array {
    const { layers, heads, headDim } = this.config;
    return new Float32Array(layers * 2 * this.batch * heads * capacity * headDim);
  }

  private tensorOf(cache: Float32Array, capacity: number): Tensor {
    const { layers, heads, headDim } = this.config;
    return createTensor('float32', cache, [layers, 2, this.batch, heads, capacity, headDim]);
  }

  /** A bigger buffer holding the filled positions of each (layer, key or value, row, head). */
  private grow(capacity: number): void {
    const hd = this.config.headDim;
    const next = this.allocate(capacity);
    const rows = this.cache.length / (this.capacity * hd);
    for (let r = 0; r < rows; r++)
      next.set(
        this.cache.subarray(r * this.capacity * hd, (r * this.capacity + this.filled) * hd),
        r * capacity * hd,
      );
    this.cache = next;
    this.capacity = capacity;
    this.cacheTensor = this.tensorOf(next, capacity);
  }
}

/** A fixed cache whose model returns every new position's logits: speculative drafts are verified with them. */
class AllPositionsRollout extends FixedCacheRollout {
  private readonly width = this.config.levels.reduce((a, b) => a + b, 0);

  /** The last new position's logits of each row. */
  override async step(tokens: ArrayLike<number>): Promise<Float32Array> {
    const s = tokens.length / this.batch;
    const all = await this.run(tokens);
    if (s === 1) return all;
    const out = new Float32Array(this.batch * this.width);
    for (let b = 0; b < this.batch; b++)
      out.set(all.subarray((b * s + s - 1) * this.width, (b * s + s) * this.width), b * this.width);
    return out;
  }

  stepAll(tokens: ArrayLike<number>): Promise<Float32Array> {
    return this.run(tokens);
  }

  truncate(length: number): void {
    if (!(Number.isInteger(length) && length >= 0 && length <= this.filled))
      throw new OrbisError('INVALID_ARGUMENT', `cannot truncate ${this.filled} positions to ${length}`);
    this.filled = length; // later positions of the cache are ignored until written again
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
    const out = await this.session.run({
      tokens: tokenTensor(tokens, this.batch),
      start: createTensor('int64', BigInt64Array.of(BigInt(this.length)), [1]),
      actions: this.actions,
      past: this.past,
    });
    const logits = checkedLogits(out, this.config, this.batch, 1);
    this.past = out.present!;
    return logits;
  }
}
