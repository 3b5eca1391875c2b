import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrbisError } from '../core/index.js';
import { createTensor, type ModelSession, type ModelStore, type Tensor } from '../runtime/index.js';
import { CoupledDigits, type DigitHead, parseCoupling } from './digits.js';
import {
  featureWidth,
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
  let head: DigitHead | undefined;
  if (config.coupling) {
    const file = model.manifest.files.find((f) => f.role === 'coupling');
    if (!file)
      throw new OrbisError(
        'MODEL_MANIFEST_INVALID',
        `model "${name}" has config.coupling but no coupling file`,
        {
          hint: 'export the model again with training/world/train.py, which lists coupling.json in the manifest',
        },
      );
    let tables: unknown;
    try {
      tables = JSON.parse(await readFile(join(model.dir, file.path), 'utf8'));
    } catch (error) {
      throw new OrbisError(
        'MODEL_MANIFEST_INVALID',
        `cannot read ${file.path} of model "${name}": ${(error as Error).message}`,
        {
          hint: 'the model folder is damaged: copy or export the model again',
        },
      );
    }
    head = new CoupledDigits(config.levels, parseCoupling(name, config.levels, config.coupling, tables));
  }
  const session = await store.open(model, 'step', options);
  return new OnnxWorldModel(model.manifest.name, model.manifest.version, config, session, head);
}

/** Positions a growable cache adds at a time: attention reads the whole buffer, so it stays near the filled length. */
export const CACHE_BLOCK = 256;

/**
 * How a step.onnx keeps its key/value cache, from its inputs (the session's, or the manifest's):
 * - `grown`: the first exports (the shipped world-dv8x16x16 until 2026-12-05) take the whole cache in (`past`)
 *   and hand it back grown (`present`);
 * - `fixed`: a `cache` of the model's whole sequence that the caller keeps and writes the `fresh` keys into;
 * - `blocks`: the same with a symbolic capacity (since 2026-12-06), kept near the filled length, CACHE_BLOCK
 *   positions at a time;
 * - `layers`: the same buffer handed in as one view per layer and kind (`key.0`, `value.0`, `key.1`, ..; since
 *   2026-12-06, late), so the graph does not copy the whole cache apart every step (a quarter of a step).
 */
export function cacheForm(
  inputs: readonly { name: string; shape: readonly (number | string)[] }[],
): 'grown' | 'fixed' | 'blocks' | 'layers' {
  if (inputs.some((i) => i.name === 'key.0')) return 'layers';
  const cache = inputs.find((i) => i.name === 'cache');
  if (!cache) return 'grown';
  return typeof cache.shape[4] === 'string' ? 'blocks' : 'fixed';
}

type CacheForm = ReturnType<typeof cacheForm>;

/** Positions a cache of this form grows by: 0 where its capacity is the whole sequence from the start. */
export function cacheBlock(form: CacheForm): number {
  return form === 'blocks' || form === 'layers' ? CACHE_BLOCK : 0;
}

class OnnxWorldModel implements WorldModel {
  readonly specificationVersion = 'v1';
  private readonly cache: CacheForm;
  /** Exports since speculative decoding return every new position's logits ([batch, new, width]). */
  private readonly allPositions: boolean;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly config: WorldModelConfig,
    private readonly session: ModelSession,
    readonly head?: DigitHead,
  ) {
    this.cache = cacheForm(session.inputs);
    this.allPositions = session.outputs.find((o) => o.name === 'logits')?.shape.length === 3;
  }

  rollout(batch: number, actions?: Float32Array): WorldModelRollout {
    const { grid, actionFeatures } = this.config;
    const size = batch * grid[0] * actionFeatures;
    if (actions && actions.length !== size)
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `action features hold ${actions.length} values; a batch of ${batch} needs ${size} ([${batch}, ${grid[0]}, ${actionFeatures}])`,
      );
    const features = actions ?? new Float32Array(size);
    if (this.cache === 'grown') return new OnnxRollout(this.session, this.config, batch, features);
    return this.allPositions
      ? new AllPositionsRollout(this.session, this.config, batch, features, this.cache)
      : new FixedCacheRollout(this.session, this.config, batch, features, this.cache);
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A rollout of `rows` rows can keep its first `batch`, 1 or more. */
function checkNarrow(batch: number, rows: number): void {
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= rows))
    throw new OrbisError('INVALID_ARGUMENT', `cannot narrow a rollout of ${rows} rows to ${batch}`);
}

/**
 * The first `batch` of `rows` rows of a cache laid out [layers, 2, rows, ...], each row `row` numbers: each
 * (layer, key or value) block keeps its first `batch` rows.
 */
function firstCacheRows(
  cache: Float32Array,
  layers: number,
  rows: number,
  batch: number,
  row: number,
): Float32Array {
  const next = new Float32Array(layers * 2 * batch * row);
  for (let i = 0; i < 2 * layers; i++)
    next.set(cache.subarray(i * rows * row, (i * rows + batch) * row), i * batch * row);
  return next;
}

/** The first `batch` rows of a [rows, ...] float tensor. */
function firstRows(t: Tensor, batch: number): Tensor {
  const per = (t.data as Float32Array).length / t.dims[0]!;
  return createTensor('float32', (t.data as Float32Array).slice(0, batch * per), [batch, ...t.dims.slice(1)]);
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
  const width = featureWidth(config);
  const dims = logits.dims;
  const ok =
    dims[0] === batch &&
    ((dims.length === 2 && dims[1] === width) || (dims.length === 3 && dims[1] === s && dims[2] === width));
  if (!ok)
    throw new OrbisError(
      'MODEL_INPUT_MISMATCH',
      `the world model gave logits [${dims.join(', ')}], not [${batch}, ${width}] or [${batch}, ${s}, ${width}]`,
      { hint: 'its config.levels and config.coupling do not match its output: export it again' },
    );
  return logits.data as Float32Array;
}

/**
 * The cache as one buffer, [layers, 2, batch, heads, capacity, headDim], handed to every step without a copy
 * (whole, or as one view per layer and kind); each step returns the new positions' keys and values, written in
 * here. Exports whose cache has a symbolic `capacity` (since 2026-12-06) start it at a block of positions and
 * grow it by blocks, copying it once a block: every step's attention reads the whole buffer, so a buffer near the filled length halves that work
 * on average over a 4x8x8 future (2,320 positions). Earlier exports take the model's whole sequence.
 */
class FixedCacheRollout implements WorldModelRollout {
  private cache: Float32Array;
  private cacheFeeds: Record<string, Tensor>;
  private actions: Tensor;
  private readonly sequence: number;
  private capacity: number;
  /** Positions to grow by, for exports whose capacity is symbolic; 0: the whole sequence from the start. */
  private readonly block: number;
  protected filled = 0;

  constructor(
    private readonly session: ModelSession,
    protected readonly config: WorldModelConfig,
    private rows: number,
    actions: Float32Array,
    private readonly form: Exclude<CacheForm, 'grown'>,
  ) {
    const { grid, actionFeatures, promptLength } = config;
    this.sequence = promptLength + grid[0] * grid[1] * grid[2];
    this.block = cacheBlock(form);
    this.capacity = this.block ? Math.min(this.block, this.sequence) : this.sequence;
    this.cache = this.allocate(this.capacity);
    this.cacheFeeds = this.feedsOf(this.cache, this.capacity);
    this.actions = createTensor('float32', actions, [rows, grid[0], actionFeatures]);
  }

  get batch(): number {
    return this.rows;
  }

  get length(): number {
    return this.filled;
  }

  narrow(batch: number): void {
    checkNarrow(batch, this.rows);
    const { layers, heads, headDim } = this.config;
    // One row's keys (or values) of one layer: heads x capacity x headDim.
    const next = firstCacheRows(this.cache, layers, this.rows, batch, heads * this.capacity * headDim);
    this.actions = firstRows(this.actions, batch);
    this.rows = batch;
    this.cache = next;
    this.cacheFeeds = this.feedsOf(next, this.capacity);
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
    if (this.filled + s > this.capacity && this.block)
      this.grow(Math.min(this.sequence, Math.ceil((this.filled + s) / this.block) * this.block));
    const out = await this.session.run({
      tokens: ids,
      start: createTensor('int64', BigInt64Array.of(BigInt(this.filled)), [1]),
      actions: this.actions,
      ...this.cacheFeeds,
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

  private feedsOf(cache: Float32Array, capacity: number): Record<string, Tensor> {
    const { layers, heads, headDim } = this.config;
    if (this.form !== 'layers')
      return { cache: createTensor('float32', cache, [layers, 2, this.batch, heads, capacity, headDim]) };
    const size = this.batch * heads * capacity * headDim;
    const feeds: Record<string, Tensor> = {};
    for (let i = 0; i < 2 * layers; i++)
      feeds[`${i % 2 ? 'value' : 'key'}.${i >> 1}`] = createTensor(
        'float32',
        cache.subarray(i * size, (i + 1) * size),
        [this.batch, heads, capacity, headDim],
      );
    return feeds;
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
    this.cacheFeeds = this.feedsOf(next, capacity);
  }
}

/** A fixed cache whose model returns every new position's logits: speculative drafts are verified with them. */
class AllPositionsRollout extends FixedCacheRollout {
  private readonly width = featureWidth(this.config);

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
  private actions: Tensor;

  constructor(
    private readonly session: ModelSession,
    private readonly config: WorldModelConfig,
    public batch: number,
    actions: Float32Array,
  ) {
    const { layers, heads, headDim, grid, actionFeatures } = config;
    this.past = createTensor('float32', new Float32Array(0), [layers, 2, batch, heads, 0, headDim]);
    this.actions = createTensor('float32', actions, [batch, grid[0], actionFeatures]);
  }

  get length(): number {
    return this.past.dims[4]!;
  }

  narrow(batch: number): void {
    checkNarrow(batch, this.batch);
    const { layers, heads, headDim } = this.config;
    const past = this.past.data as Float32Array;
    const next = firstCacheRows(past, layers, this.batch, batch, heads * this.length * headDim);
    this.past = createTensor('float32', next, [layers, 2, batch, heads, this.length, headDim]);
    this.actions = firstRows(this.actions, batch);
    this.batch = batch;
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
