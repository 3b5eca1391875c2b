import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnxModel } from '../../test/onnx-model.js';
import { ModelStore } from '../runtime/index.js';

/**
 * For tests: a stand-in world model with the exact `step.onnx` interface of training/world/README.md and
 * no learning in it. Its cache holds each token x 1e-3 broadcast over layers, keys/values, heads and
 * channels, so the cache grows by S per step as the real one does; its logits are sin(w_j * c) * 3 where c
 * adds up the whole cache, the mean action feature and `start`, so they depend on every token so far, on
 * the actions and on the position, and sampling at temperature > 0 spreads the futures apart.
 */
export const STAND_IN_CONFIG: {
  grid: [number, number, number];
  levels: number[];
  layers: number;
  heads: number;
  headDim: number;
  actionFeatures: number;
  [key: string]: unknown;
} = {
  tokenizer: 'tokenizer-dv8x16x16',
  size: [32, 32],
  grid: [5, 2, 2],
  framesPerLatent: 8,
  levels: [8, 8, 8, 5, 5, 5],
  promptLength: 16,
  vocabWords: 1024,
  wordHash: 'fnv1a32',
  actionDim: 7,
  actionFeatures: 56,
  layers: 2,
  heads: 2,
  headDim: 4,
};

const i64 = (...values: number[]): BigInt64Array => BigInt64Array.from(values.map(BigInt));

export function standInWorldModel(config = STAND_IN_CONFIG): Uint8Array {
  const { layers, heads, headDim } = config;
  const digits = config.levels.reduce((a, b) => a + b, 0);
  return onnxModel({
    inputs: [
      { name: 'tokens', shape: ['B', 'S'], type: 'int64' },
      { name: 'start', shape: [1], type: 'int64' },
      { name: 'actions', shape: ['B', config.grid[0], config.actionFeatures] },
      { name: 'past', shape: [layers, 2, 'B', heads, 'T', headDim] },
    ],
    outputs: [
      { name: 'logits', shape: ['B', digits] },
      { name: 'present', shape: [layers, 2, 'B', heads, 'T1', headDim] },
    ],
    initializers: [
      { name: 'milli', dims: [], data: Float32Array.of(1e-3) },
      {
        name: 'spread',
        dims: [layers, 2, 1, heads, 1, headDim],
        data: new Float32Array(layers * 2 * heads * headDim).fill(1),
      },
      { name: 'axesNew', dims: [4], data: i64(0, 1, 3, 5) },
      { name: 'axesSum', dims: [5], data: i64(0, 1, 3, 4, 5) },
      { name: 'axesCol', dims: [1], data: i64(1) },
      { name: 'w', dims: [digits], data: Float32Array.from({ length: digits }, (_, j) => 0.37 + 0.11 * j) },
      { name: 'three', dims: [], data: Float32Array.of(3) },
    ],
    nodes: [
      { op: 'Cast', inputs: ['tokens'], outputs: ['tf'], attributes: { to: 1 } },
      { op: 'Mul', inputs: ['tf', 'milli'], outputs: ['ts'] },
      { op: 'Unsqueeze', inputs: ['ts', 'axesNew'], outputs: ['tu'] },
      { op: 'Mul', inputs: ['tu', 'spread'], outputs: ['kv'] },
      { op: 'Concat', inputs: ['past', 'kv'], outputs: ['present'], attributes: { axis: 4 } },
      { op: 'ReduceSum', inputs: ['present', 'axesSum'], outputs: ['cache'], attributes: { keepdims: 0 } },
      { op: 'Unsqueeze', inputs: ['cache', 'axesCol'], outputs: ['c0'] },
      { op: 'ReduceMean', inputs: ['actions'], outputs: ['am'], attributes: { axes: [1, 2], keepdims: 0 } },
      { op: 'Unsqueeze', inputs: ['am', 'axesCol'], outputs: ['a1'] },
      { op: 'Cast', inputs: ['start'], outputs: ['sf'], attributes: { to: 1 } },
      { op: 'Mul', inputs: ['sf', 'milli'], outputs: ['sm'] },
      { op: 'Add', inputs: ['c0', 'a1'], outputs: ['c1'] },
      { op: 'Add', inputs: ['c1', 'sm'], outputs: ['c2'] },
      { op: 'Mul', inputs: ['c2', 'w'], outputs: ['phase'] },
      { op: 'Sin', inputs: ['phase'], outputs: ['wave'] },
      { op: 'Mul', inputs: ['wave', 'three'], outputs: ['logits'] },
    ],
  });
}

/**
 * Write the stand-in as model `name` in `dir` (manifest and all), and return a store that finds it there and
 * the shipped tokenizer in models/.
 */
export function standInStore(
  dir: string,
  name = 'world-stand-in',
  config: Record<string, unknown> = STAND_IN_CONFIG,
): ModelStore {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const bytes = standInWorldModel(config as typeof STAND_IN_CONFIG);
  writeFileSync(join(folder, 'step.onnx'), bytes);
  const manifest = {
    name,
    version: '0',
    family: 'world-model',
    files: [
      {
        path: 'step.onnx',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
        role: 'step',
        inputs: [
          { name: 'tokens', dtype: 'int64', shape: ['B', 'S'] },
          { name: 'start', dtype: 'int64', shape: [1] },
          { name: 'actions', dtype: 'float32', shape: ['B', 'L', 'A'] },
          { name: 'past', dtype: 'float32', shape: ['layers', 2, 'B', 'heads', 'T', 'headDim'] },
        ],
        outputs: [
          { name: 'logits', dtype: 'float32', shape: ['B', 39] },
          { name: 'present', dtype: 'float32', shape: ['layers', 2, 'B', 'heads', 'T1', 'headDim'] },
        ],
      },
    ],
    config,
    license: 'Apache-2.0',
  };
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache') });
}
