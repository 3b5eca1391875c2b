/**
 * Where a world model's step spends its time: ONNX Runtime's own profiler over one step, repeated, summed by
 * operator type. The step is fed as `orbis predict` feeds it mid-future: a 16-draft step (17 tokens) at
 * position 1391 of the cache, at the capacity the runtime has grown it to by then (1,536: blocks of
 * CACHE_BLOCK positions; random values: the time does not depend on them). `--capacity` profiles another; the
 * profile said 2,432 until 2026-12-07, which overstated attention's share.
 *
 *   node --import tsx bench/step-profile.ts [models/world-dv4x8x8/step.onnx] [--threads 2] [--runs 30] [--capacity N]
 *
 * It reads the file directly (onnxruntime-node, not the model store): a tool for deciding what to speed up.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { CACHE_BLOCK } from '../src/predict/onnx-world-model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '2' },
    runs: { type: 'string', default: '30' },
    capacity: { type: 'string' },
  },
});
const path = positionals[0] ?? 'models/world-dv4x8x8/step.onnx';
const runs = Number(values.runs);
const prefix = join(tmpdir(), `orbis-step-profile-${Date.now()}`);
const session = await ort.InferenceSession.create(path, {
  intraOpNumThreads: Number(values.threads),
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: prefix,
});
const [tokens, start] = [17, 1391];
const capacity = Number(values.capacity ?? Math.ceil((start + tokens) / CACHE_BLOCK) * CACHE_BLOCK);
if (!(Number.isInteger(capacity) && capacity >= start + tokens))
  throw new Error(`--capacity must be a whole number of at least ${start + tokens}, not ${values.capacity}`);
const feeds: Record<string, ort.Tensor> = {};
for (const name of session.inputNames) {
  if (name === 'tokens')
    feeds[name] = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: tokens }, (_, i) => BigInt(i * 7)),
      [1, tokens],
    );
  else if (name === 'start') feeds[name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(start)]), [1]);
  else if (name === 'actions') feeds[name] = new ort.Tensor('float32', new Float32Array(9 * 28), [1, 9, 28]);
  else if (/^(key|value)\.\d+$/.test(name))
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 8 * capacity * 32 }, () => Math.random() - 0.5),
      [1, 8, capacity, 32],
    );
  else
    throw new Error(
      `input "${name}" is not one this profile knows how to feed (a cache-per-layer export is expected)`,
    );
}
for (let i = 0; i < 5; i++) await session.run(feeds);
const t0 = performance.now();
for (let i = 0; i < runs; i++) await session.run(feeds);
const wall = (performance.now() - t0) / runs;
session.endProfiling(); // writes <prefix>_<date>.json
const file = join(
  tmpdir(),
  readdirSync(tmpdir()).find((f) => f.startsWith(basename(prefix)) && f.endsWith('.json')) ?? '',
);
await session.release();
interface Event {
  cat?: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}
const events = (JSON.parse(readFileSync(file, 'utf8')) as Event[]).filter(
  (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
);
rmSync(file, { force: true });
const byOp = new Map<string, number>();
for (const e of events) byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
const steps = runs + 5; // the profiler saw the warm-up steps too
const total = [...byOp.values()].reduce((a, b) => a + b, 0) / steps / 1000;
console.log(
  `${path}, ${tokens} tokens at ${start} of ${capacity}: ${wall.toFixed(2)} ms a step (profiling on), kernels ${total.toFixed(2)} ms:`,
);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
  const ms = us / steps / 1000;
  console.log(`  ${op.padEnd(22)} ${ms.toFixed(2)} ms  ${((100 * ms) / total).toFixed(0)}%`);
}
