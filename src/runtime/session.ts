import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { OrbisError } from '../core/index.js';

/**
 * ONNX Runtime sessions. This module is the only importer of onnxruntime-node. Execution providers are
 * tried in priority order (CUDA, then CPU by default); when every one fails, a single error lists each
 * provider and why. Inputs are checked against the model's own metadata before a run, so a wrong name,
 * type or shape is reported in our words rather than the runtime's.
 */

// Provider probing failures come back to us as exceptions and end up in our error; the runtime's own
// logger would also print them in red to stderr.
ort.env.logLevel = 'fatal';

export type ExecutionProvider = 'cuda' | 'cpu';
export type Tensor = ort.Tensor;
export type TensorType = ort.Tensor.Type;

export interface TensorSpec {
  name: string;
  type: string;
  /** Numbers are fixed sizes; strings are symbolic (dynamic) dimensions. */
  shape: (number | string)[];
}

export interface SessionOptions {
  /** Tried in this order; default ['cuda', 'cpu']. */
  providers?: ExecutionProvider[];
  /** Threads inside one operator; 0 or absent lets the runtime choose. */
  threads?: number;
}

export interface ModelSession {
  readonly path: string;
  /** The provider that loaded the model. */
  readonly provider: ExecutionProvider;
  /** Providers tried before it, and why each failed. */
  readonly skipped: { provider: ExecutionProvider; reason: string }[];
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function createTensor(type: 'float32', data: Float32Array, dims: readonly number[]): Tensor;
export function createTensor(type: 'int64', data: BigInt64Array, dims: readonly number[]): Tensor;
export function createTensor(
  type: 'float32' | 'int64',
  data: Float32Array | BigInt64Array,
  dims: readonly number[],
): Tensor {
  return type === 'int64'
    ? new ort.Tensor('int64', data as BigInt64Array, dims)
    : new ort.Tensor('float32', data as Float32Array, dims);
}

function specs(metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

function describe(spec: TensorSpec): string {
  return `${spec.name} (${spec.type} [${spec.shape.join(', ')}])`;
}

export async function openSession(path: string, options: SessionOptions = {}): Promise<ModelSession> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new OrbisError('MODEL_NOT_FOUND', `cannot read the model file ${path}`, {
      cause: error,
      hint: `${(error as NodeJS.ErrnoException).code ?? 'error'}: check the path or the model folder`,
      details: { path },
    });
  }
  const providers = options.providers ?? ['cuda', 'cpu'];
  const skipped: { provider: ExecutionProvider; reason: string }[] = [];
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
        graphOptimizationLevel: 'all',
        // A provider that cannot load is reported in our error; the runtime need not also print it.
        logSeverityLevel: 4,
      });
      return wrap(session, path, provider, skipped);
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0] ?? String(error);
      if (/protobuf|parsing|invalid model|Load model/i.test(reason)) {
        throw new OrbisError('MODEL_INVALID', `${path} is not a valid ONNX model: ${reason}`, {
          cause: error,
          hint: 'the file is corrupt or not ONNX; export or download it again',
          details: { path },
        });
      }
      skipped.push({ provider, reason });
    }
  }
  throw new OrbisError(
    'RUNTIME_PROVIDERS_FAILED',
    `no execution provider could load ${path}: ${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')}`,
    { hint: 'include "cpu" in the providers, or fix the first provider named', details: { path, skipped } },
  );
}

function wrap(
  session: ort.InferenceSession,
  path: string,
  provider: ExecutionProvider,
  skipped: { provider: ExecutionProvider; reason: string }[],
): ModelSession {
  const inputs = specs(session.inputMetadata);
  const outputs = specs(session.outputMetadata);
  const check = (feeds: Record<string, Tensor>): void => {
    const fail = (message: string): never => {
      throw new OrbisError('MODEL_INPUT_MISMATCH', message, {
        hint: `the model takes ${inputs.map(describe).join(', ')}`,
        details: { path },
      });
    };
    for (const name of Object.keys(feeds)) {
      if (!inputs.some((i) => i.name === name)) fail(`the model ${path} has no input named "${name}"`);
    }
    for (const spec of inputs) {
      const tensor = feeds[spec.name];
      if (!tensor) fail(`the model ${path} needs the input "${spec.name}"`);
      if (tensor!.type !== spec.type)
        fail(`input "${spec.name}" is ${tensor!.type}, the model wants ${spec.type}`);
      if (spec.shape.length > 0 && tensor!.dims.length !== spec.shape.length) {
        fail(
          `input "${spec.name}" has shape [${tensor!.dims.join(', ')}], the model wants [${spec.shape.join(', ')}]`,
        );
      }
      spec.shape.forEach((d, i) => {
        if (typeof d === 'number' && d > 0 && tensor!.dims[i] !== d) {
          fail(
            `input "${spec.name}" has shape [${tensor!.dims.join(', ')}], the model wants [${spec.shape.join(', ')}]`,
          );
        }
      });
    }
  };
  const close = (): Promise<void> => session.release();
  return {
    path,
    provider,
    skipped,
    inputs,
    outputs,
    async run(feeds) {
      check(feeds);
      return (await session.run(feeds)) as Record<string, Tensor>;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The runtime's version and the execution providers this build knows, for diagnostics. */
export function runtimeInfo(): { version: string; providers: { name: string; bundled: boolean }[] } {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] })
    .listSupportedBackends;
  return { version: ort.env.versions.common ?? 'unknown', providers: list ? list() : [] };
}
