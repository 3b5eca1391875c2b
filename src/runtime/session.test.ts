import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnxModel } from '../../test/onnx-model.js';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { createTensor, openSession } from './session.js';

const dir = tempDir();
const addModel = join(dir, 'add.onnx');
writeFileSync(
  addModel,
  onnxModel({
    inputs: [
      { name: 'a', shape: ['N', 4] },
      { name: 'b', shape: ['N', 4] },
    ],
    outputs: [{ name: 'sum', shape: ['N', 4] }],
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['sum'] }],
  }),
);

const code = (expected: string) => (e: unknown) => OrbisError.isInstance(e) && e.code === expected;

test('a session runs a generated model on the first provider that loads, and says which', async () => {
  await using session = await openSession(addModel);
  assert.ok(['cuda', 'cpu'].includes(session.provider));
  if (session.provider === 'cpu') assert.equal(session.skipped[0]?.provider, 'cuda', 'CUDA was tried first');
  assert.deepEqual(
    session.inputs.map((i) => [i.name, i.type, i.shape]),
    [
      ['a', 'float32', ['N', 4]],
      ['b', 'float32', ['N', 4]],
    ],
  );
  const a = createTensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]);
  const b = createTensor('float32', Float32Array.from([10, 20, 30, 40, 50, 60, 70, 80]), [2, 4]);
  const out = await session.run({ a, b });
  assert.deepEqual([...(out.sum!.data as Float32Array)], [11, 22, 33, 44, 55, 66, 77, 88]);
});

test('when every provider fails, one error lists each', async () => {
  try {
    await using session = await openSession(addModel, { providers: ['cuda'] });
    assert.equal(session.provider, 'cuda'); // a machine with CUDA
  } catch (error) {
    assert.ok(code('RUNTIME_PROVIDERS_FAILED')(error), String(error));
    assert.match((error as Error).message, /cuda: /);
  }
});

test('missing and corrupt model files, and wrong inputs, get clear errors', async () => {
  await assert.rejects(openSession(join(dir, 'nope.onnx')), code('MODEL_NOT_FOUND'));
  const corrupt = join(dir, 'corrupt.onnx');
  writeFileSync(corrupt, 'this is not a protobuf');
  await assert.rejects(openSession(corrupt), code('MODEL_INVALID'));
  await using session = await openSession(addModel, { providers: ['cpu'] });
  const four = createTensor('float32', new Float32Array(4), [1, 4]);
  await assert.rejects(
    session.run({ a: four }),
    (e: unknown) => code('MODEL_INPUT_MISMATCH')(e) && /needs the input "b"/.test((e as Error).message),
  );
  await assert.rejects(
    session.run({ a: four, b: four, c: four }),
    (e: unknown) => code('MODEL_INPUT_MISMATCH')(e) && /no input named "c"/.test((e as Error).message),
  );
  await assert.rejects(
    session.run({ a: four, b: createTensor('float32', new Float32Array(3), [1, 3]) }),
    (e: unknown) => code('MODEL_INPUT_MISMATCH')(e) && /the model wants \[N, 4\]/.test((e as Error).message),
  );
});
