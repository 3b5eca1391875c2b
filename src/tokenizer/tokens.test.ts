import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { readNpy } from '../../test/npy.js';
import { tempDir } from '../../test/support.js';
import { TORCH_PYTHON, tinyStore, tinyTokenizerArgs } from './testing.js';
import { type Latent, type TokenizerFrame, VideoTokenizer } from './tokenizer.js';

/**
 * A discrete (FSQ) tokenizer trained two steps on CPU: token indices from TypeScript against model.py's
 * FSQ.to_indices / from_indices in PyTorch, on the same input; batches against single clips.
 */
const dir = tempDir();
let tokenizer: VideoTokenizer;

// PyTorch's side: a batch of two clips through the encoder, its FSQ indices, the values back from them and
// the decoder's output on those (indices saved as float32, exact below 2^24).
const reference = `
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[2])
from model import Tokenizer
d = sys.argv[1]
state = torch.load(d + "/model.pt", map_location="cpu")
a = state["args"]
m = Tokenizer(a["kind"], a["spatial"], width=a["width"], blocks=a["blocks"], **({"temporal": a["temporal"]} if "temporal" in a else {}))
m.load_state_dict(state["model"])
if "fp32_weights" in a and not a["fp32_weights"]:  # the export stores FP16 weights: use exactly those
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.half().float())
m.eval()
torch.manual_seed(3)
x = torch.rand(2, 3, 9, 32, 48) * 2 - 1
with torch.no_grad():
    q = m.encode(x)
    idx = m.fsq.to_indices(q)
    back = m.fsq.from_indices(idx)
    y = m.decode(back)
for name, v in (("x", x), ("q", q), ("idx", idx.float()), ("back", back), ("y", y)):
    np.save(d + "/ref-" + name + ".npy", v.numpy().astype(np.float32))
`;

before(async () => {
  execFileSync(TORCH_PYTHON, tinyTokenizerArgs(dir, 'tiny-dv', 'discrete'), { stdio: 'pipe' });
  const out = join(dir, 'tiny-dv');
  execFileSync(TORCH_PYTHON, [
    '-c',
    reference,
    out,
    resolve(import.meta.dirname, '../../training/tokenizer'),
  ]);
  tokenizer = await VideoTokenizer.load(tinyStore(dir), 'tiny-dv', { providers: ['cpu'] });
});
after(() => tokenizer?.close());

const ref = (name: string) => readNpy(join(dir, 'tiny-dv', `ref-${name}.npy`));
const dims5 = (shape: number[]) => shape as Latent['dims'];

test('tokens() and fromTokens() are model.py FSQ to_indices / from_indices exactly', () => {
  assert.equal(tokenizer.kind, 'discrete');
  const q = ref('q');
  const idx = ref('idx');
  const tokens = tokenizer.tokens({ data: q.data, dims: dims5(q.shape) });
  assert.deepEqual(tokens.dims, idx.shape);
  assert.deepEqual([...tokens.data], [...idx.data]);
  const back = tokenizer.fromTokens(tokens);
  assert.deepEqual(back.dims, ref('back').shape);
  assert.deepEqual([...back.data], [...ref('back').data]);
});

test('ONNX Runtime tokens match PyTorch indices on the same input, and decode from tokens matches (1e-4)', async () => {
  const x = ref('x');
  const tokens = tokenizer.tokens(await tokenizer.encode(x.data, x.shape));
  const idx = ref('idx').data;
  // Runtimes may differ by ~1e-6 before rounding; a value right on a rounding boundary could flip a token.
  const differ = tokens.data.filter((t, i) => t !== idx[i]).length;
  assert.ok(differ <= Math.ceil(idx.length * 0.01), `${differ} of ${idx.length} tokens differ from PyTorch`);
  const video = await tokenizer.decode(
    tokenizer.fromTokens({ data: Uint16Array.from(idx), dims: tokens.dims }),
  );
  const y = ref('y').data;
  const diff = video.data.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
  assert.ok(diff < 1e-4, `decoded video differs by ${diff}`);
});

test('a batch of clips encodes and decodes as each clip alone; clips of different sizes are refused', async () => {
  const clip = (seed: number, length: number): TokenizerFrame[] =>
    Array.from({ length }, (_, k) => ({
      width: 32,
      height: 16,
      data: Uint8Array.from({ length: 32 * 16 * 3 }, (_, i) => (i * seed + k * 37) % 256),
    }));
  const clips = [clip(3, 7), clip(5, 7), clip(11, 7)];
  const batch = await tokenizer.encodeClips(clips);
  assert.equal(batch.padded, 2, '7 frames padded to 9 (1 + 4k)');
  assert.deepEqual(batch.latent.dims, [3, 6, 3, 2, 4]);
  const batchTokens = tokenizer.tokens(batch.latent);
  for (const [n, c] of clips.entries()) {
    const one = tokenizer.tokens((await tokenizer.encodeClips([c])).latent);
    const plane = one.data.length;
    const same = one.data.filter((t, i) => t === batchTokens.data[n * plane + i]).length;
    assert.ok(same >= plane - 1, `clip ${n}: ${plane - same} tokens differ between batch and single`);
  }
  const decoded = await tokenizer.decodeClips(batch.latent, 7);
  assert.equal(decoded.length, 3);
  assert.ok(decoded.every((c) => c.length === 7 && c[0]!.width === 32));
  await assert.rejects(
    tokenizer.encodeClips([clip(1, 5), clip(1, 4)]),
    /the clips of a batch must all have the same length and size/,
  );
});

test('encodeStream keeps chunks independent and pads only the last; encode refuses a length it cannot group', async () => {
  const frames = Array.from({ length: 12 }, (_, k) => ({
    width: 16,
    height: 8,
    data: new Uint8Array(16 * 8 * 3).fill(20 * k),
  }));
  const chunks = [];
  for await (const c of tokenizer.encodeStream(frames, 5)) chunks.push(c);
  assert.deepEqual(
    chunks.map((c) => [c.frames, c.padded, c.latent.dims[2]]),
    [
      [5, 0, 2],
      [5, 0, 2],
      [2, 3, 2],
    ],
  );
  const back = [];
  for await (const f of tokenizer.decodeStream(chunks)) back.push(f);
  assert.equal(back.length, 12);
  // Bounded memory: the stream pulls one chunk of frames ahead of what it has encoded, never the whole video.
  let pulled = 0;
  let most = 0;
  let encoded = 0;
  const source = function* () {
    for (const f of frames) {
      pulled++;
      most = Math.max(most, pulled - encoded);
      yield f;
    }
  };
  for await (const c of tokenizer.encodeStream(source(), 5)) encoded += c.frames;
  assert.equal(encoded, 12);
  assert.ok(most <= 5, `held ${most} frames at once`);
  await assert.rejects(
    tokenizer.encode(new Float32Array(3 * 6 * 8 * 16), [1, 3, 6, 8, 16]),
    (e: Error & { hint?: string }) =>
      /a clip of 6 frames does not fit the causal grouping of 1 \+ 4k frames/.test(e.message) &&
      /pad it to 9 frames/.test(e.hint ?? ''),
  );
  await assert.rejects(async () => {
    for await (const _ of tokenizer.encodeStream(frames, 6));
  }, /chunks must hold 1 \+ 4k frames, not 6/);
});
