import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { readNpy } from '../../test/npy.js';
import { tempDir } from '../../test/support.js';
import { ModelStore } from '../runtime/index.js';
import { cacheForm, loadWorldModel } from './onnx-world-model.js';
import { Predictor } from './predict.js';
import { promptTokens } from './world-model.js';

/**
 * The recipe's own export (training/world/train.py) of a tiny untrained model (width 32, 2 layers, 2 heads,
 * the shipped grid [5, 8, 8]) against ONNX Runtime from here: the recipe saves PyTorch's logits of a prefill
 * and one cached step on fixed tokens and actions; ours must agree to 1e-4 (float32 through two runtimes),
 * and its prompt slots must be the ones promptTokens makes of the same words.
 */
const RECIPE = resolve(import.meta.dirname, '../../training/world');
const TORCH_PYTHON = '/usr/bin/python3';
const EXPORT = `
train.export_untrained(sys.argv[1], "world-tiny", sys.argv[2], width=32, layers=2, heads=2, noise=0.02,
                       single_cache=sys.argv[3:] == ["single"])
`;

const ready = existsSync(join(RECIPE, 'train.py')) && existsSync(TORCH_PYTHON);
const run = promisify(execFile);
const needsTorch = { skip: !ready && "training/world/train.py or Debian's torch is missing" };

/** Runs `code` in Debian's PyTorch with train.py importable as `train`; sys.argv[1:] are `args`. */
async function recipePython(code: string, ...args: string[]): Promise<string> {
  const header = 'import sys\nsys.path.insert(0, sys.argv.pop(1))\nimport train\n';
  const { stdout } = await run(TORCH_PYTHON, ['-c', header + code, RECIPE, ...args], { timeout: 120_000 });
  return stdout;
}

/**
 * The recipe's tiny export over `space`'s tokens, in a fresh folder: that folder and the model's. `single`:
 * its cache as one `cache` input, the form of 2026-12-06's exports, instead of one input per layer and kind.
 */
async function exportTiny(space: string, tag: string, single = false): Promise<{ dir: string; out: string }> {
  const dir = tempDir(`orbis-world-recipe${tag}-`);
  const out = join(dir, 'world-tiny');
  await recipePython(EXPORT, out, space, ...(single ? ['single'] : []));
  return { dir, out };
}

test(
  "ONNX Runtime matches PyTorch on the recipe's tiny export; the pipeline runs it end to end",
  needsTorch,
  async () => {
    const { dir, out } = await exportTiny('dv8x16x16', '');
    const store = new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache') });
    const seq = readInt32Npy(join(out, 'parity-tokens.npy'));
    const actions = readNpy(join(out, 'parity-actions.npy'));
    const expected = readNpy(join(out, 'parity-logits.npy')); // [1, 2, 39]
    const model = await loadWorldModel(store, 'world-tiny', { providers: ['cpu'] });
    try {
      assert.deepEqual(seq.slice(0, 16), promptTokens(model.config, 'a blue box slides down a ramp'));
      const rollout = model.rollout(1, actions.data);
      const first = await rollout.step(seq.slice(0, -1));
      const last = await rollout.step(seq.slice(-1));
      assert.equal(rollout.length, seq.length);
      // The export keeps its cache in place (one input per layer and kind in, `fresh` out): the rollout that
      // writes it is the one tested.
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      assert.deepEqual(
        manifest.files[0].inputs.map((i: { name: string }) => i.name),
        ['tokens', 'start', 'actions', 'key.0', 'value.0', 'key.1', 'value.1'],
      );
      await assert.rejects(rollout.step(new Array(model.config.promptLength + 5 * 64).fill(0)), /do not fit/);
      // Every new position's logits (speculative drafts are verified with them), and a cut-back cache: feeding
      // a position again after truncate gives what it gave the first time.
      const again = model.rollout(1, actions.data);
      await again.step(seq.slice(0, -3));
      const all = await again.stepAll!(seq.slice(-3));
      assert.equal(all.length, 3 * 39);
      const lastRow = all.slice(2 * 39);
      assert.ok(lastRow.every((v, i) => Math.abs(v - last[i]!) < 1e-4));
      again.truncate!(seq.length - 2);
      const refed = await again.stepAll!(seq.slice(-2, -1));
      assert.ok(refed.every((v, i) => Math.abs(v - all[39 + i]!) < 1e-5));
      // The cache's capacity is symbolic: it starts at a block of 256 positions and grows by copying. A rollout
      // that crosses a block boundary one token at a time gives what one that starts past it in one prefill gives.
      assert.equal(manifest.files[0].inputs[3].shape[2], 'capacity');
      const long = [...seq.slice(0, 16), ...Array.from({ length: 290 }, (_, i) => seq[16 + (i % 70)]!)];
      const whole = model.rollout(1, actions.data);
      await whole.step(long.slice(0, -1));
      const expectedLast = await whole.step(long.slice(-1));
      const stepped = model.rollout(1, actions.data);
      await stepped.step(long.slice(0, 250));
      for (let i = 250; i < long.length - 1; i++) await stepped.step([long[i]!]);
      const steppedLast = await stepped.step(long.slice(-1));
      const drift = steppedLast.reduce((m, v, i) => Math.max(m, Math.abs(v - expectedLast[i]!)), 0);
      assert.ok(drift < 1e-4, `logits after growing the cache differ by ${drift}`);
      // A rollout that sheds its last row (guidance that stops early) goes on as one of two rows fed the same,
      // its cache growing past a block after the narrowing.
      const three = model.rollout(
        3,
        Float32Array.from(
          [...actions.data, ...actions.data, ...actions.data],
          (v, i) => v + 0.1 * Math.floor(i / actions.data.length),
        ),
      );
      const two = model.rollout(
        2,
        Float32Array.from(
          [...actions.data, ...actions.data],
          (v, i) => v + 0.1 * Math.floor(i / actions.data.length),
        ),
      );
      const rowsOf = (tokens: number[], n: number) =>
        Array.from({ length: n }, (_, r) => tokens.map((t) => (t + 7 * r) % 64000)).flat();
      await three.step(rowsOf(long.slice(0, 250), 3));
      await two.step(rowsOf(long.slice(0, 250), 2));
      three.narrow!(2);
      assert.equal(three.batch, 2);
      for (let i = 250; i < 262; i++) {
        const [a, b] = await Promise.all([
          three.stepAll!(rowsOf([long[i]!], 2)),
          two.stepAll!(rowsOf([long[i]!], 2)),
        ]);
        const gap = a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j]!)), 0);
        assert.ok(gap < 1e-5, `position ${i}: a narrowed rollout differs by ${gap}`);
      }
      assert.throws(() => three.narrow!(3), /cannot narrow a rollout of 2 rows to 3/);
      const got = [...first, ...last];
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!)), 0);
      assert.equal(got.length, expected.data.length);
      assert.ok(worst < 1e-4, `largest difference ${worst}`);
    } finally {
      await model.close();
    }
    const predictor = await Predictor.load(store, 'world-tiny', { providers: ['cpu'] });
    try {
      const frame = { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3).fill(90) };
      const result = await predictor.predict({
        frames: [frame],
        samples: 2,
        length: 9,
        prompt: 'a red ball falls',
      });
      assert.deepEqual(result.tokens.dims, [2, 2, 8, 8]);
      assert.ok(result.futures.every((f) => f.length === 9 && f[8]!.width === 128));
    } finally {
      await predictor.close();
    }
    // Re-exporting a step.onnx (how the shipped model moved to the in-place cache): the same weights, manifest
    // and PyTorch reference logits come out.
    const again = join(dir, 'again', 'world-tiny');
    await run(TORCH_PYTHON, [join(RECIPE, 'train.py'), '--from', join(out, 'step.onnx'), '--out', again], {
      timeout: 120_000,
    });
    const manifest = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
    const [before, after] = [manifest(out), manifest(again)];
    assert.deepEqual(after.config, before.config);
    assert.deepEqual(after.training, before.training);
    assert.deepEqual(after.files[0].inputs, before.files[0].inputs);
    assert.deepEqual(readNpy(join(again, 'parity-logits.npy')).data, expected.data);
    // Exporting a model.pt from a training run: its arguments say what the model is, but the export's own
    // options win, even where the run's arguments hold them unset (a run's args carry drafts=None).
    const checkpoint = join(dir, 'run', 'model.pt');
    const SAVE = `
import os, torch
state, _ = train.state_of_export(sys.argv[1])
state["args"] |= {"drafts": None, "temperature": None, "name": "from-the-run"}
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
torch.save(state, sys.argv[2])
`;
    await recipePython(SAVE, join(out, 'step.onnx'), checkpoint);
    const fromRun = join(dir, 'from-run', 'world-next');
    await run(
      TORCH_PYTHON,
      [
        join(RECIPE, 'train.py'),
        '--from',
        checkpoint,
        '--name',
        'world-next',
        '--drafts',
        '16',
        '--temperature',
        '0.5',
        '--prompt-guidance',
        '1',
        '--prompt-guidance-frames',
        '2',
        '--prompt-guidance-from-frames',
        '9:2.5,5:1.5',
        '--out',
        fromRun,
      ],
      { timeout: 120_000 },
    );
    const exported = manifest(fromRun);
    assert.equal(exported.name, 'world-next');
    assert.equal(exported.config.drafts, 16);
    assert.equal(exported.config.keepUnchanged, true);
    assert.deepEqual(exported.config.sampling, { temperature: 0.5 });
    assert.equal(exported.config.promptGuidance, 1);
    assert.equal(exported.config.promptGuidanceFrames, 2);
    // Frame counts in order, as the runtime reads them (world-model.test.ts).
    assert.deepEqual(exported.config.promptGuidanceFromFrames, { '5': 1.5, '9': 2.5 });
    assert.equal(before.config.promptGuidance, undefined, 'none unless asked');
    assert.deepEqual(readNpy(join(fromRun, 'parity-logits.npy')).data, expected.data);
    // Re-exported from its step.onnx, it keeps what its manifest recommends (drafts, sampling, guidance).
    const reexported = join(dir, 'again-from-run', 'world-next');
    await run(
      TORCH_PYTHON,
      [join(RECIPE, 'train.py'), '--from', join(fromRun, 'step.onnx'), '--out', reexported],
      {
        timeout: 120_000,
      },
    );
    assert.deepEqual(manifest(reexported).config, exported.config);
  },
);

test(
  'train.py --prompt-guidance-from-frames: "F:G[,F:G]" as the manifest\'s object, frame counts in order; a bad pair is refused',
  needsTorch,
  async () => {
    const printed = await recipePython(`
import json
out = {"parsed": train.guidance_from_frames("9:2,5:1.5")}
for bad in ("9", "0:2", "9:-1", "nine:2", "9:x", "9:2,"):
    try:
        train.guidance_from_frames(bad)
        out[bad] = "accepted"
    except SystemExit as e:
        out[bad] = str(e)
print(json.dumps(out))
`);
    const result = JSON.parse(printed.trim());
    assert.deepEqual(result.parsed, { '5': 1.5, '9': 2 });
    assert.deepEqual(Object.keys(result.parsed), ['5', '9']);
    for (const bad of ['9', '0:2', '9:-1', 'nine:2', '9:x', '9:2,'])
      assert.match(
        result[bad],
        /^--prompt-guidance-from-frames: ".*" is not FRAMES:SCALE \(e.g. 9:2\)$/,
        bad,
      );
  },
);

test(
  "a coupled export (digits that depend on those before): ONNX Runtime's rows and the sampler's digit logits match PyTorch's",
  needsTorch,
  async () => {
    const dir = tempDir('orbis-world-recipe-coupled-');
    const out = join(dir, 'world-tiny');
    await recipePython(
      'train.export_untrained(sys.argv[1], "world-tiny", "dv4x8x8", width=32, layers=2, heads=2, noise=0.3, coupling=8)',
      out,
    );
    const store = new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache') });
    const seq = readInt32Npy(join(out, 'parity-tokens.npy'));
    const actions = readNpy(join(out, 'parity-actions.npy'));
    const expected = readNpy(join(out, 'parity-logits.npy')); // [1, 2, 39 + 5 x 8]
    const coupled = readNpy(join(out, 'parity-coupled.npy')); // [39]: token 12345's digits, each given those before
    const model = await loadWorldModel(store, 'world-tiny', { providers: ['cpu'] });
    try {
      assert.equal(model.config.coupling, 8);
      assert.ok(model.head, 'a coupled model brings its head');
      const rollout = model.rollout(1, actions.data);
      const first = await rollout.step(seq.slice(0, -1));
      const last = await rollout.step(seq.slice(-1));
      assert.equal(last.length, 79);
      const got = [...first, ...last];
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!)), 0);
      assert.ok(worst < 1e-4, `rows differ by up to ${worst}`);
      const levels = model.config.levels;
      const digits = levels.map(
        (n, i) => Math.floor(12345 / levels.slice(0, i).reduce((a, b) => a * b, 1)) % n,
      );
      let at = 0;
      let moved = 0;
      levels.forEach((n, i) => {
        const mine = Array.from(model.head!.logits(last, 0, i, digits.slice(0, i)));
        const want = Array.from(coupled.data.slice(at, at + n));
        const gap = mine.reduce((m, v, k) => Math.max(m, Math.abs(v - want[k]!)), 0);
        assert.ok(gap < 1e-4, `digit ${i}'s logits differ from PyTorch's by ${gap}`);
        moved = Math.max(moved, ...mine.map((v, k) => Math.abs(v - last[at + k]!)));
        at += n;
      });
      assert.ok(moved > 0.01, `the coupling moves the logits (by ${moved})`);
    } finally {
      await model.close();
    }
    // Futures with and without guidance on the prompt run through the coupled head.
    const predictor = await Predictor.load(store, 'world-tiny', { providers: ['cpu'] });
    try {
      const frame = { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3).fill(90) };
      for (const promptGuidance of [0, 1]) {
        const result = await predictor.predict({
          frames: [frame],
          samples: 2,
          length: 5,
          prompt: 'a red ball falls',
          promptGuidance,
        });
        assert.deepEqual(result.tokens.dims, [2, 2, 16, 16]);
      }
    } finally {
      await predictor.close();
    }
    // Re-exported from its step.onnx, coupling.json comes along and PyTorch gives the same logits.
    const again = join(dir, 'again', 'world-tiny');
    await run(TORCH_PYTHON, [join(RECIPE, 'train.py'), '--from', join(out, 'step.onnx'), '--out', again], {
      timeout: 120_000,
    });
    assert.deepEqual(readNpy(join(again, 'parity-coupled.npy')).data, coupled.data);
    assert.equal(
      readFileSync(join(again, 'coupling.json'), 'utf8'),
      readFileSync(join(out, 'coupling.json'), 'utf8'),
    );
  },
);

test(
  'an int8 export (--int8): ONNX Runtime runs it close to the float logits, and --init reads its weights back',
  needsTorch,
  async () => {
    // The tiny export re-exported with int8 weight MatMuls. Its logits stay within a few hundredths of the
    // float model's (weights and activations rounded to 8 bits), the file shrinks, and state_of_export
    // dequantizes each weight to within half a step of its column's scale of the float one.
    const { dir, out } = await exportTiny('dv4x8x8', '-int8');
    const q = join(dir, 'q', 'world-q');
    const { stdout } = await run(
      TORCH_PYTHON,
      [join(RECIPE, 'train.py'), '--from', join(out, 'step.onnx'), '--int8', '--name', 'world-q', '--out', q],
      { timeout: 120_000 },
    );
    assert.match(stdout, /10 weight MatMuls to int8/); // 2 layers x (qkv, out, 2 MLP) + actions + head
    const manifest = JSON.parse(readFileSync(join(q, 'manifest.json'), 'utf8'));
    const floatManifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.match(manifest.description, /int8 weights/);
    assert.ok(manifest.files[0].bytes < floatManifest.files[0].bytes);
    const store = new ModelStore({ userDir: join(dir, 'q'), cacheDir: join(dir, 'cache') });
    const seq = readInt32Npy(join(q, 'parity-tokens.npy'));
    const actions = readNpy(join(q, 'parity-actions.npy'));
    const expected = readNpy(join(q, 'parity-logits.npy'));
    const model = await loadWorldModel(store, 'world-q', { providers: ['cpu'] });
    try {
      const rollout = model.rollout(1, actions.data);
      const got = [...(await rollout.step(seq.slice(0, -1))), ...(await rollout.step(seq.slice(-1)))];
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!)), 0);
      const range = expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(worst > 0, 'int8 logits should differ a little from the float ones');
      assert.ok(worst < 0.05 * range, `largest difference ${worst} (logits up to ${range})`);
    } finally {
      await model.close();
    }
    const back = await recipePython(
      `import torch
a, _ = train.state_of_export(sys.argv[1])
b, _ = train.state_of_export(sys.argv[2])
a, b = a["model"], b["model"]
print("keys", sorted(a) == sorted(b))
linear = [k for k in a if k.endswith(("qkv.weight", "out.weight", "mlp.0.weight", "mlp.2.weight")) or k in ("action.weight", "head.weight")]
far = max(((a[k].float() - b[k].float()).abs() / (a[k].float().abs().amax(dim=1, keepdim=True) / 127)).max().item() for k in linear)
same = all(torch.equal(a[k], b[k]) for k in a if k not in linear)
print(f"linear {len(linear)} steps {far:.3f} rest {same}")
`,
      join(out, 'step.onnx'),
      join(q, 'step.onnx'),
    );
    assert.match(back, /keys True/);
    assert.match(back, /linear 10 /);
    assert.ok(Number(/steps (\S+)/.exec(back)?.[1]) <= 0.51, back);
    assert.match(back, /rest True/);
  },
);

test(
  'exports with the cache as one input (those of 2026-12-06) still run, growing it by blocks',
  needsTorch,
  async () => {
    const { dir, out } = await exportTiny('dv8x16x16', '-single', true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(cacheForm(manifest.files[0].inputs), 'blocks');
    const store = new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache') });
    const seq = readInt32Npy(join(out, 'parity-tokens.npy'));
    const actions = readNpy(join(out, 'parity-actions.npy'));
    const expected = readNpy(join(out, 'parity-logits.npy'));
    const model = await loadWorldModel(store, 'world-tiny', { providers: ['cpu'] });
    try {
      // Past the first block of 256 positions one token at a time, against the same tokens in one prefill.
      const tokens = [...seq.slice(0, 16), ...Array.from({ length: 250 }, (_, i) => seq[16 + (i % 70)]!)];
      const stepped = model.rollout(1, actions.data);
      await stepped.step(tokens.slice(0, 16));
      let last: Float32Array = new Float32Array(0);
      for (let i = 16; i < tokens.length; i++) last = await stepped.step([tokens[i]!]);
      const whole = await model.rollout(1, actions.data).step(tokens);
      const drift = last.reduce((m, v, i) => Math.max(m, Math.abs(v - whole[i]!)), 0);
      assert.ok(drift < 1e-4, `logits after growing the cache differ by ${drift}`);
      const rollout = model.rollout(1, actions.data);
      const got = [...(await rollout.step(seq.slice(0, -1))), ...(await rollout.step(seq.slice(-1)))];
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!)), 0);
      assert.ok(worst < 1e-4, `largest difference ${worst}`);
    } finally {
      await model.close();
    }
  },
);

test(
  "the recipe's 4x8x8 token space: its export names tokenizer-dv4x8x8 and the pipeline makes 33 frames with it",
  needsTorch,
  async () => {
    const { dir, out } = await exportTiny('dv4x8x8', '-dv4');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.config.tokenizer, 'tokenizer-dv4x8x8');
    assert.deepEqual(manifest.config.grid, [9, 16, 16]);
    assert.equal(manifest.config.framesPerLatent, 4);
    assert.equal(manifest.config.actionFeatures, 28);
    const store = new ModelStore({ userDir: dir, cacheDir: join(dir, 'cache') });
    const predictor = await Predictor.load(store, 'world-tiny', { providers: ['cpu'] });
    try {
      const frame = { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3).fill(90) };
      const actions = Array.from({ length: 9 }, () => [0.01, 0, 0, 0, 0, 0, 1]);
      const result = await predictor.predict({ frames: [frame], samples: 1, length: 9, actions });
      assert.deepEqual(result.tokens.dims, [1, 3, 16, 16]);
      assert.ok(result.futures[0]!.length === 9 && result.futures[0]![8]!.width === 128);
    } finally {
      await predictor.close();
    }
    // A run started from this export (INIT=<its step.onnx>) starts out computing what it computes, actions
    // included: the graph folds the action scale in, which the manifest beside it names.
    const stdout = await recipePython(
      `
import numpy as np, torch
state, _ = train.state_of_export(sys.argv[1] + "/step.onnx")
model = train.build(state["margs"])
train.load_init(model, sys.argv[1] + "/step.onnx", "cpu")
model.eval()
seq = torch.from_numpy(np.load(sys.argv[1] + "/parity-tokens.npy")).long()
act = torch.from_numpy(np.load(sys.argv[1] + "/parity-actions.npy"))
with torch.no_grad():
    first, cache = model(seq[:, :-1], 0, act, model.empty_cache(1))
    last, _ = model(seq[:, -1:], seq.shape[1] - 1, act, cache)
expected = torch.from_numpy(np.load(sys.argv[1] + "/parity-logits.npy"))
print(f"difference {(torch.stack([first[:, -1], last[:, -1]], dim=1) - expected).abs().max().item():.3g}")
`,
      out,
    );
    const difference = Number(/difference (\S+)/.exec(stdout)?.[1]);
    assert.ok(
      difference < 1e-4,
      `a run started from the export computes other logits, by up to ${difference}`,
    );
  },
);

/**
 * Python that saves a small 2-layer model with 4 prompt slots and random weights (no two tensors equal) at
 * sys.argv[1], as `small` with its arguments `m`: what the --init tests start from.
 */
const SMALL_INIT = `
import torch
torch.manual_seed(0)
m = dict(grid=[3, 4, 4], prompt_length=4, vocab_words=16, action_features=28, d=32, layers=2, heads=2, qk_norm=True)
small = train.build(m)
with torch.no_grad():
    for p in small.parameters():
        p.add_(torch.randn_like(p) * 0.05)
torch.save({"model": small.state_dict(), "margs": m}, sys.argv[1])
`;

/** Python after SMALL_INIT and a grown `big`: prints the largest difference of their logits on random input. */
const SAME_LOGITS = `
x = torch.randint(0, 64000, (2, small.length))
a = torch.randn(2, 3, 28) * 0.01
small.eval(); big.eval()
with torch.no_grad():
    d = (small(x, 0, a, small.empty_cache(2))[0] - big(x, 0, a, big.empty_cache(2))[0]).abs().max().item()
print(f"difference {d:.3g}")
`;

function assertSameLogits(stdout: string): void {
  const difference = Number(/difference (\S+)/.exec(stdout)?.[1]);
  assert.ok(difference < 1e-5, `logits moved by ${difference}`);
}

test(
  'the recipe deepens a model it starts from (--init with more --layers) without changing what it computes',
  needsTorch,
  async () => {
    // A 2-layer model with random weights, grown to 5 layers: the old blocks spread out, the new ones start as
    // zero-output copies, so the logits stay the same until training moves them. Fewer layers is refused.
    const dir = tempDir('orbis-world-deepen-');
    const stdout = await recipePython(
      `${SMALL_INIT}big = train.build(m | {"layers": 5})
train.load_init(big, sys.argv[1], "cpu")
assert not torch.equal(big.blocks[1].qkv.weight, torch.zeros_like(big.blocks[1].qkv.weight))
${SAME_LOGITS}try:
    train.load_init(train.build(m | {"layers": 1}), sys.argv[1], "cpu")
except SystemExit as e:
    print(e)
`,
      join(dir, 'small.pt'),
    );
    assert.match(stdout, /deepened 2 -> 5 layers \(old blocks at \[0, 4\]/);
    assertSameLogits(stdout);
    assert.match(stdout, /--init has 2 layers, more than --layers 1: give --layers 2 or more/);
  },
);

test(
  'the recipe widens the MLPs of a model it starts from (--init with a larger --mlp) without changing what it computes',
  needsTorch,
  async () => {
    // 128 hidden units (4 x 32) grown to 200, deepened to 3 layers in the same load: the logits stay the same,
    // the new units have input weights and zero outputs, and those outputs get a gradient (training can open
    // them). Fewer units than the init has is refused.
    const dir = tempDir('orbis-world-widen-mlp-');
    const stdout = await recipePython(
      `${SMALL_INIT}big = train.build(m | {"layers": 3, "mlp": 200})
train.load_init(big, sys.argv[1], "cpu")
w0, w2 = big.blocks[2].mlp[0].weight, big.blocks[2].mlp[2].weight
print("shapes", tuple(w0.shape), tuple(w2.shape))
print("new inputs", bool(w0[128:].abs().min() > 0), "new outputs zero", bool(w2[:, 128:].abs().max() == 0))
${SAME_LOGITS}big(x, 0, a, big.empty_cache(2))[0].square().mean().backward()
print("gradient", bool(big.blocks[0].mlp[2].weight.grad[:, 128:].abs().max() > 0))
try:
    train.load_init(train.build(m | {"mlp": 64}), sys.argv[1], "cpu")
except SystemExit as e:
    print(e)
`,
      join(dir, 'small.pt'),
    );
    assert.match(stdout, /widened the MLPs 128 -> 200 units/);
    assert.match(stdout, /shapes \(200, 32\) \(32, 200\)/);
    assert.match(stdout, /new inputs True new outputs zero True/);
    assertSameLogits(stdout);
    assert.match(stdout, /gradient True/);
    assert.match(stdout, /--init has an MLP of 128 units, more than --mlp 64: give --mlp 128 or more/);
  },
);

test(
  'the recipe widens the prompt of a model it starts from (--init with a longer --prompt-length)',
  needsTorch,
  async () => {
    // 4 prompt slots grown to 7: the old slots keep their embeddings, the new ones copy the last old one, and
    // the rest of the model is the same; a 7-word prompt then runs. Fewer slots than the init has is refused.
    const dir = tempDir('orbis-world-widen-');
    const stdout = await recipePython(
      `${SMALL_INIT}from world_model import prompt_tokens
wide = train.build(m | {"prompt_length": 7})
train.load_init(wide, sys.argv[1], "cpu")
old, new = small.slot.weight, wide.slot.weight
print("kept", torch.equal(new[:4], old), "copied", all(torch.equal(new[i], old[3]) for i in range(4, 7)))
print("rest", all(torch.equal(v, wide.state_dict()[k]) for k, v in small.state_dict().items() if k != "slot.weight"))
words = torch.tensor([prompt_tokens("a tower of blocks leans and topples", 7, 16)])
x = torch.cat([words, torch.randint(0, 64000, (1, 3 * 16))], dim=1)
wide.eval()
with torch.no_grad():
    logits, _ = wide(x, 0, torch.zeros(1, 3, 28), wide.empty_cache(1))
print("logits", tuple(logits.shape))
try:
    train.load_init(train.build(m | {"prompt_length": 3}), sys.argv[1], "cpu")
except SystemExit as e:
    print(e)
`,
      join(dir, 'small.pt'),
    );
    assert.match(stdout, /widened the prompt 4 -> 7 slots/);
    assert.match(stdout, /kept True copied True/);
    assert.match(stdout, /rest True/);
    assert.match(stdout, /logits \(1, 55, /);
    assert.match(
      stdout,
      /--init has 4 prompt slots, more than --prompt-length 3: give --prompt-length 4 or more/,
    );
  },
);

test(
  "the recipe's pool carried into a new run (POOL_FROM) takes the new stream's chunks, whose names repeat, and only for the same sequence length",
  needsTorch,
  async () => {
    // Bookkeeping only: tokenizing is replaced by 2 clips a chunk. Run A's stream makes c0000 and c0001; its
    // saved pool goes to run B, whose stream makes c0000 again. B must add it; a chunk absorbed (its frames
    // deleted) is not added twice, and neither is one named in a pool saved before chunks were keyed by path.
    const dir = tempDir('orbis-world-pool-');
    const stdout = await recipePython(
      `
import os, torch
train.tokenize_folder = lambda folder, *a, **k: (torch.zeros(2, 5, dtype=torch.long), torch.zeros(2, 3, 4), [], torch.zeros(2, 0, dtype=torch.bool))
def chunk(stream, name):
    os.makedirs(os.path.join(stream, name))
    open(os.path.join(stream, name + ".done"), "w").close()
root = sys.argv[1]
a, b = os.path.join(root, "a"), os.path.join(root, "b")
chunk(a, "c0000"); chunk(a, "c0001")
pool = train.Pool("cpu")
print("A", pool.absorb(a, None, None), pool.absorb(a, None, None))
pool.save(os.path.join(root, "pool.pt"))
carried = train.Pool("cpu")
carried.load(os.path.join(root, "pool.pt"))
chunk(b, "c0000")
print("B", carried.absorb(b, None, None), carried.absorb(b, None, None), len(carried))
old = train.Pool("cpu")
old.chunks = ["c0000"]
chunk(os.path.join(root, "c"), "c0000")
os.rmdir(os.path.join(root, "c", "c0000"))
print("old", old.absorb(os.path.join(root, "c"), None, None))
try:
    train.Pool("cpu").load(os.path.join(root, "pool.pt"), 7)
except SystemExit as e:
    print(e)
`,
      dir,
    );
    assert.match(stdout, /^A 4 0$/m);
    assert.match(stdout, /^B 2 0 6$/m);
    assert.match(stdout, /^old 0$/m);
    // A pool of another sequence length (another --prompt-length) is refused, not trained on.
    assert.match(
      stdout,
      /holds 5-token sequences and this model takes 7 .*start without it \(no POOL_FROM\)/,
    );
  },
);

test(
  "self-feeding (train.py --self-feed): draws follow each digit's distribution; fed clips' later frames are the model's own draws",
  needsTorch,
  async () => {
    for (const coupling of [0, 8]) {
      const result = JSON.parse(await recipePython(SELF_FEED, String(coupling)));
      // Gumbel-max: greedy at temperature 0; at 1, 40,000 draws of one position match the softmax of digit 0,
      // and of digit 1 given digit 0 (the coupled head's conditional when coupling > 0).
      assert.equal(result.greedy, true);
      assert.ok(result.digit0Gap < 0.02, `digit 0: draws against softmax ${result.digit0Gap}`);
      assert.ok(result.digit1Gap < 0.02, `digit 1 given digit 0: ${result.digit1Gap}`);
      const rows = result.rows as { chosen: boolean; head: boolean; tail: string }[];
      assert.ok(
        rows.some((r) => r.chosen) && rows.some((r) => !r.chosen),
        'the seed picks some clips, not all',
      );
      for (const row of rows) {
        assert.equal(row.head, true, 'prompt and conditioning frames stay true');
        assert.equal(row.tail, row.chosen ? 'draws' : 'true');
      }
      assert.equal(result.twoPasses, true, 'the second pass draws given the first pass input');
      assert.equal(result.twoDiffer, true);
      assert.equal(result.grad, true);
      assert.ok(Number.isFinite(result.fedLoss) && result.fedLoss !== result.loss);
    }
  },
);

test(
  "guidance distillation (train.py --distill-guidance): the teacher's guided logits, a loss its own copy already minimizes at G = 0",
  needsTorch,
  async () => {
    // The last line: a failed compile says so first.
    const printed = (await recipePython(DISTILL)).trim().split('\n');
    assert.match(
      printed[0] ?? '',
      /the teacher's torch.compile failed \(RuntimeError: no compiler here\); it runs eagerly/,
    );
    const result = JSON.parse(printed.at(-1) ?? '');
    // asked + G * (asked - without), with `without` the same clip with its prompt blanked; a clip whose prompt is
    // blank already gets the teacher's own logits.
    assert.ok(
      result.guidedGap < 1e-4,
      `guided targets against asked + G (asked - blank): ${result.guidedGap}`,
    );
    assert.ok(
      result.blankGap < 1e-4,
      `a blank prompt's target is the teacher's own logits: ${result.blankGap}`,
    );
    assert.ok(result.moved > 0.01, `guidance moves the targets (${result.moved})`);
    // The compiled teacher (train.py --compile) gives the same targets; one that fails is dropped for the eager.
    assert.ok(result.compiledGap < 1e-6, `through \`compiled\`: ${result.compiledGap}`);
    assert.ok(result.fallbackGap < 1e-6, `after a failed compile: ${result.fallbackGap}`);
    assert.equal(result.fallbackDropped, true);
    // At G = 0 a student equal to the teacher is where the soft loss is least: its gradient is zero there and
    // not at G = 2; the soft loss of the teacher against itself is its entropy.
    assert.ok(result.gradAtTwo > 1, `gradient at G = 2: ${result.gradAtTwo}`);
    assert.ok(result.gradAtZero < 1e-6 * result.gradAtTwo, `gradient at G = 0: ${result.gradAtZero}`);
    assert.ok(
      Math.abs(result.soft - result.entropy) < 1e-4,
      `${result.soft} against entropy ${result.entropy}`,
    );
    // Weight 0 is the plain loss; weight 0.5 lies between the plain and the soft.
    assert.ok(Math.abs(result.weightZero - result.plain) < 1e-5);
    assert.ok(
      result.half > Math.min(result.plain, result.softTwo) &&
        result.half < Math.max(result.plain, result.softTwo),
    );
    assert.ok(
      Number.isFinite(result.distilled) && Math.abs(result.distilled - result.half) < 1e-4,
      'evaluate reports the same loss',
    );
    // --distill-frames 1: the teacher's target in latent frame 1 only.
    assert.ok(result.framesGap < 1e-4, `latent frame 1 alone: ${result.framesGap}`);
    assert.equal(result.framesDiffer, true);
  },
);

test(
  "fit_coupling.py: the frozen model's states at the positions it keeps; a coupling fitted on them learns digits that follow from digit 0",
  needsTorch,
  async () => {
    const dir = tempDir('orbis-fit-coupling-');
    const printed = (await recipePython(FIT_COUPLING, dir)).trim().split('\n');
    const result = JSON.parse(printed.at(-1)!); // after hidden_states' progress lines
    // Every position at share 1 (the trunk's own states, FP16), moved tokens weighed 1 + W and the rest 1;
    // at share 0.25 every moved token and about a quarter of the others, weighed back by 4.
    assert.deepEqual(
      { n: result.all.n, same: result.all.same, weights: result.all.weights },
      { n: result.all.expected, same: true, weights: true },
    );
    assert.ok(result.all.h < 2e-3, `hidden states differ from the trunk's by ${result.all.h}`);
    const share = result.share;
    assert.equal(share.heavy, share.changed);
    assert.equal(share.n, share.heavy + share.light);
    assert.ok(
      share.light > 0.1 * share.unchanged && share.light < 0.45 * share.unchanged,
      `kept ${share.light} of ${share.unchanged}`,
    );
    // The fit, from the cache of states whose digits 1-5 follow from digit 0 while the states say nothing: the
    // frozen head cannot see that, the coupling must learn it.
    const out = join(dir, 'out');
    const { stdout } = await run(
      TORCH_PYTHON,
      [
        join(RECIPE, 'fit_coupling.py'),
        '--from',
        join(dir, 'model.pt'),
        '--sim',
        'unused',
        '--sim-eval',
        'unused',
        '--tokenizer',
        'unused',
        '--cache',
        join(dir, 'cache.pt'),
        '--rank',
        '8',
        '--steps',
        '400',
        '--lr',
        '0.01',
        '--batch',
        '1024',
        '--out',
        out,
      ],
      { timeout: 120_000 },
    );
    const untrained = stdout.match(/digits independent ([\d.]+), coupled \(untrained\) ([\d.]+)/);
    assert.ok(untrained, stdout);
    assert.equal(untrained[1], untrained[2], 'a coupling added to a model starts adding nothing');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const { couplingFitHeldOutIndependent: independent, couplingFitHeldOutCoupled: coupled } =
      manifest.metrics;
    assert.ok(coupled < 0.3 * independent, `held out: coupled ${coupled}, independent ${independent}`);
    assert.deepEqual(
      manifest.files.map((f: { role: string }) => f.role),
      ['step', 'coupling'],
    );
    assert.equal(manifest.config.coupling, 8);
    assert.match(manifest.training.recipe, /&& fit_coupling\.py --from /);
  },
);

test(
  'object_tokens.py: a body shows in the patch and latent frame that hold its pixels, furniture does not',
  needsTorch,
  async () => {
    const stdout = await recipePython(`
import json, numpy as np
mask = np.zeros((9, 32, 32), np.uint8)
mask[:, 24:, :] = 1          # the floor (furniture), everywhere
mask[0, 2, 3] = 2            # body 2 in frame 0: latent 0, patch (0, 0)
mask[5, 10, 20] = 2          # frame 5: latent 2 (frames 5-8), patch (1, 2)
mask[4, 31, 31] = 3          # frame 4: latent 1 (frames 1-4), patch (3, 3); body 3 is not scored
out = train.object_patches(mask, [2], 3, 4, 8)
print(json.dumps(np.argwhere(out).tolist()))
`);
    assert.deepEqual(JSON.parse(stdout), [
      [0, 0, 0],
      [2, 1, 2],
    ]);
  },
);

test(
  'object weight (train.py --object-weight): the tokens that show a scored body, mirrored with their clip, kept in the pool, weighed in the loss',
  needsTorch,
  async () => {
    const dir = tempDir('orbis-object-weight-');
    const result = JSON.parse(await recipePython(OBJECT_WEIGHT, dir));
    // One clip of 9 frames, 3 latent frames of 4 x 4 patches: body 2 (scored) at patch (1, 0) in frame 0 and
    // patch (2, 3) in frames 5-8; the floor (furniture) everywhere below; the mirrored copy's patches flipped.
    assert.deepEqual(result.shown, [
      [0, 1, 0],
      [2, 2, 3],
    ]);
    assert.deepEqual(result.mirrored, [
      [0, 1, 3],
      [2, 2, 0],
    ]);
    assert.deepEqual(result.names, [
      'ball-s0000001-v0-l0',
      'ball-s0000001-v0-l0-mirrored',
      'plain-s0000002-v0-l0',
      'plain-s0000002-v0-l0-mirrored',
    ]);
    assert.equal(result.plainShows, 0, 'a folder without masks shows no objects');
    assert.equal(result.gradWhileTokenizing, false, 'the tokenizer runs without autograd');
    assert.deepEqual(result.pool, { kept: true, old: 0 });
    assert.match(result.oldSays, /saved before object tokens were kept/);
    // The loss: weights 1 + V on the shown tokens (here no changed weight), normalized; V = 0 is the plain mean.
    assert.ok(
      Math.abs(result.weighted - result.expected) < 1e-5,
      `${result.weighted} against ${result.expected}`,
    );
    assert.ok(Math.abs(result.unweighted - result.plain) < 1e-6);
    assert.ok(Math.abs(result.weighted - result.plain) > 1e-3, 'the weighting changes the loss');
    assert.ok(result.objectLoss > 0 && result.objectAccuracy >= 0 && result.objectAccuracy <= 1);
    // Per latent frame after the first: frame 1 all wrong, frame 2 all right; the object shows in frame 2 only.
    assert.deepEqual(result.byFrame, {
      changed: [0, 1],
      object: [0, 1],
      objectAccuracy: 1,
      gradWhileEvaluating: false,
      logLine: { a: 0.1235, b: [0.9877] },
    });
  },
);

const OBJECT_WEIGHT = `
import contextlib, io, json, os, types, numpy as np, torch
root = sys.argv[1]
def sample(name, bodies, mask=None):
    d = os.path.join(root, "sim", name)
    os.makedirs(d)
    np.save(os.path.join(d, "rgb.npy"), np.zeros((9, 32, 32, 3), np.uint8))
    open(os.path.join(d, "caption.txt"), "w").write("a ball rolls left")
    if mask is not None:
        np.save(os.path.join(d, "mask.npy"), mask)
        json.dump({"bodies": bodies}, open(os.path.join(d, "sample.json"), "w"))
mask = np.zeros((9, 32, 32), np.uint8)
mask[:, 24:, :] = 1
mask[0, 9, 2] = 2
mask[6, 20, 30] = 2
sample("ball-s0000001-v0-l0", [{"id": 1, "furniture": True}, {"id": 2}], mask)
sample("plain-s0000002-v0-l0", [])
grad = []
class Tok:  # the tokenizer's interface: 3 latent frames of 4 x 4 tokens, all 0
    def encode(self, x):
        grad.append(torch.is_grad_enabled())
        return torch.zeros(x.shape[0], 3, 4, 4)
    fsq = types.SimpleNamespace(to_indices=lambda z: z.long())
margs = {"grid": [3, 4, 4], "prompt_length": 4, "vocab_words": 64, "action_features": 7 * 4}
seqs, acts, names, objects = train.tokenize_folder(os.path.join(root, "sim"), Tok(), margs, "cpu", mirror=True)
grid = objects.view(-1, 3, 4, 4)
out = {"gradWhileTokenizing": any(grad), "names": names, "shown": grid[0].nonzero().tolist(), "mirrored": grid[1].nonzero().tolist(), "plainShows": int(grid[2].sum())}
pool = train.Pool("cpu", visual=48)
pool.add(seqs, acts, objects)
pool.save(os.path.join(root, "pool.pt"))
again = train.Pool("cpu", visual=48)
again.load(os.path.join(root, "pool.pt"))
state = torch.load(os.path.join(root, "pool.pt"))
del state["objects"]
torch.save(state, os.path.join(root, "old.pt"))
old = train.Pool("cpu", visual=48)
said = io.StringIO()
with contextlib.redirect_stdout(said):
    old.load(os.path.join(root, "old.pt"))
out["pool"] = {"kept": bool(torch.equal(again.objects, objects)), "old": int(old.objects.sum())}
out["oldSays"] = said.getvalue()
torch.manual_seed(0)
model = train.build(dict(margs, d=32, layers=2, heads=2, qk_norm=True, action_scale=[1.0] * 7)).eval()
x = torch.randint(0, 64000, (len(names), 4 + 48))
x[:, :4] = 64000
with torch.no_grad():
    plain, logits = train.batch_loss(model, x, acts, 0.0, None, "cpu")
    per = model.digit_loss(logits[:, 3:-1], x[:, 4:], reduction="none")
    w = 1 + 3.0 * objects.float().reshape(-1)
    out["expected"] = ((per * w).sum() / w.sum()).item()
    out["weighted"] = train.batch_loss(model, x, acts, 0.0, None, "cpu", object_weight=3.0, objects=objects)[0].item()
    out["unweighted"] = train.batch_loss(model, x, acts, 0.0, None, "cpu", object_weight=0.0, objects=objects)[0].item()
out["plain"] = plain.item()
m = train.evaluate(model, x, acts, "cpu", objects=objects)
out["objectLoss"], out["objectAccuracy"] = m["objectDigitLoss"], m["objectTokenAccuracy"]
def argmax(logits):  # every token right but those of latent frame 1 (target positions 16-31)
    grad.append(torch.is_grad_enabled())
    t = x[:, 4:].clone()
    t[:, 16:32] = (t[:, 16:32] + 1) % 64000
    return t
model.argmax_tokens = argmax
f = train.evaluate(model, x, acts, "cpu", objects=objects)
out["byFrame"] = {"changed": f["changedTokenAccuracyByFrame"], "object": f["objectTokenAccuracyByFrame"],
                  "objectAccuracy": f["objectTokenAccuracy"], "gradWhileEvaluating": grad[-1], "logLine": train.rounded({"a": 0.123456, "b": [0.987654]})}
print(json.dumps(out))
`;

const FIT_COUPLING = `
import json, os, torch
import fit_coupling
from world_model import BASIS, LEVELS
root = sys.argv[1]
torch.manual_seed(0)
margs = {"grid": [3, 8, 8], "prompt_length": 4, "vocab_words": 64, "action_features": 28, "d": 32, "layers": 2,
         "heads": 2, "qk_norm": True, "action_scale": [1.0] * 7, "coupling": 0}
model = train.build(margs).eval()
out = {}
p, hw = 4, 64
x = torch.randint(0, 64000, (3, p + 3 * hw))
x[:, :p] = torch.randint(0, 64, (3, p)) + 64000
x[:, p + hw : p + hw + 40] = x[:, p : p + 40]  # 40 tokens a clip the same as a latent frame earlier
acts = torch.zeros(3, 3, 28)
target = x[:, p:]
changed = torch.zeros_like(target, dtype=torch.bool)
changed[:, hw:] = target[:, hw:] != target[:, :-hw]
h, t, w = fit_coupling.hidden_states(model, x, acts, 1.0, 2.0, torch.Generator().manual_seed(0))
with torch.no_grad():
    trunk = model.trunk(x, acts)[:, p - 1 : -1].reshape(-1, 32)
out["all"] = {"n": len(t), "expected": target.numel(), "same": bool(torch.equal(t, target.reshape(-1))),
              "h": (h.float() - trunk).abs().max().item(),
              "weights": bool(torch.equal(w, torch.where(changed.reshape(-1), 3.0, 1.0)))}
h, t, w = fit_coupling.hidden_states(model, x, acts, 0.25, 2.0, torch.Generator().manual_seed(0))
out["share"] = {"n": len(t), "changed": int(changed.sum()), "heavy": int((w == 3.0).sum()),
                "light": int((w == 4.0).sum()), "unchanged": int((~changed).sum())}
torch.save({"model": model.state_dict(), "margs": margs, "args": {"seed": 0, "token_space": "dv4x8x8", "name": "world-fit"},
            "info": {"steps": 0, "argv": ["tiny"], "hardware": "cpu", "seconds": 0.0, "clipsPerSecond": 0.0}},
           os.path.join(root, "model.pt"))
def positions(n, g):
    d0 = torch.randint(0, LEVELS[0], (n,), generator=g)
    tokens = sum(BASIS[i] * (d0 % LEVELS[i]) for i in range(len(LEVELS)))
    return torch.randn(n, 32, generator=g).half(), tokens, torch.ones(n)
g = torch.Generator().manual_seed(1)
torch.save((positions(20000, g), positions(4000, g), 7), os.path.join(root, "cache.pt"))
print(json.dumps(out))
`;

const DISTILL = `
import json, torch
from world_model import LEVELS
torch.manual_seed(0)
margs = {"grid": [3, 4, 4], "prompt_length": 4, "vocab_words": 64, "action_features": 7 * 4, "d": 32, "layers": 2,
         "heads": 2, "qk_norm": True, "action_scale": [1.0] * 7, "coupling": 0}
teacher = train.build(margs).eval()
with torch.no_grad():
    teacher.head.weight.mul_(20)  # sharper than an untrained head, so the prompt moves the digits
student = train.build(margs).eval()
student.load_state_dict(teacher.state_dict())
hw, p = 16, 4
x = torch.randint(0, 64000, (4, p + 3 * hw))
x[:, :p] = torch.randint(1, 64, (4, p)) + 64000
x[3, :p] = 64000  # a clip with a blank prompt
acts = torch.zeros(4, 3, 28)
out = {}
d = train.Distill(teacher, 2.0, 1.0)
t = d.targets(x, acts)
with torch.no_grad():
    asked = teacher(x, 0, acts, teacher.empty_cache(4))[0][:, p - 1 : -1]
    blank = x.clone()
    blank[:, :p] = 64000
    without = teacher(blank, 0, acts, teacher.empty_cache(4))[0][:, p - 1 : -1]
out["guidedGap"] = (t - (asked + 2 * (asked - without))).abs().max().item()
out["blankGap"] = (t[3] - asked[3]).abs().max().item()
out["moved"] = (t[:3] - asked[:3]).abs().max().item()
def broken(*args):
    raise RuntimeError("no compiler here")
fallback = train.Distill(teacher, 2.0, 1.0, compiled=broken)
out["fallbackGap"] = (fallback.targets(x, acts) - t).abs().max().item()
out["fallbackDropped"] = fallback.compiled is None
out["compiledGap"] = (train.Distill(teacher, 2.0, 1.0, compiled=teacher).targets(x, acts) - t).abs().max().item()
def grad_norm(g):
    student.zero_grad()
    loss, _ = train.batch_loss(student, x, acts, 0.0, None, "cpu", distill=train.Distill(teacher, g, 1.0))
    loss.backward()
    return loss.item(), sum(q.grad.abs().sum().item() for q in student.parameters() if q.grad is not None)
out["soft"], out["gradAtZero"] = grad_norm(0.0)
out["softTwo"], out["gradAtTwo"] = grad_norm(2.0)
entropy = 0.0
at = 0
for n in LEVELS:
    q = torch.softmax(asked[..., at : at + n], -1)
    entropy = entropy - (q * torch.log(q)).sum(-1)
    at += n
out["entropy"] = entropy.mean().item()
with torch.no_grad():
    out["plain"] = train.batch_loss(student, x, acts, 0.0, None, "cpu")[0].item()
    out["weightZero"] = train.batch_loss(student, x, acts, 0.0, None, "cpu", distill=train.Distill(teacher, 2.0, 0.0))[0].item()
    out["half"] = train.batch_loss(student, x, acts, 0.0, None, "cpu", distill=train.Distill(teacher, 2.0, 0.5))[0].item()
out["distilled"] = train.evaluate(student, x, acts, "cpu", distill=train.Distill(teacher, 2.0, 0.5))["distilledDigitLoss"]
with torch.no_grad():  # frames=1: the teacher's target in latent frame 1 alone, the true token in frames 0 and 2
    logits = student(x, 0, acts, student.empty_cache(4))[0][:, p - 1 : -1]
    plain = student.digit_loss(logits, x[:, p:], reduction="none").view(4, 3, hw)
    soft = train.soft_digit_loss(student, logits, train.Distill(teacher, 2.0).targets(x, acts)).view(4, 3, hw)
    expected = torch.cat([plain[:, :1], soft[:, 1:2], plain[:, 2:]], 1).mean().item()
    got = train.batch_loss(student, x, acts, 0.0, None, "cpu", distill=train.Distill(teacher, 2.0, 1.0, frames=1))[0].item()
out["framesGap"] = abs(got - expected)
out["framesDiffer"] = abs(got - out["softTwo"]) > 1e-3 and abs(got - out["plain"]) > 1e-3
print(json.dumps(out))
`;

const SELF_FEED = `
import json, torch
from world_model import LEVELS, to_digits
torch.manual_seed(0)
margs = {"grid": [3, 4, 4], "prompt_length": 4, "vocab_words": 64, "action_features": 7 * 4, "d": 32, "layers": 2,
         "heads": 2, "qk_norm": True, "action_scale": [1.0] * 7, "coupling": int(sys.argv[1])}
model = train.build(margs).eval()
with torch.no_grad():  # an untrained head is nearly flat: sharpen it so draws and argmax differ
    model.head.weight.mul_(40)
    for name, q in model.named_parameters():
        if name.startswith("couple_out"):  # these start at zero, a coupling that adds nothing
            q.normal_(0, 2)
out = {}
f = torch.randn(5, 39 + 5 * margs["coupling"])
out["greedy"] = bool(torch.equal(model.draw_tokens(f, 0.0), model.argmax_tokens(f)))
d = to_digits(model.draw_tokens(f[:1].expand(40000, -1), 1.0, torch.Generator().manual_seed(1)))
first = torch.bincount(d[:, 0], minlength=LEVELS[0]).float() / len(d)
out["digit0Gap"] = (first - torch.softmax(model.digit_logits(f[:1], 0, d[:1, :0]), -1)[0]).abs().max().item()
v = int(first.argmax())
sub = d[d[:, 0] == v]
second = torch.bincount(sub[:, 1], minlength=LEVELS[1]).float() / len(sub)
out["digit1Gap"] = (second - torch.softmax(model.digit_logits(f[:1], 1, torch.tensor([[v]])), -1)[0]).abs().max().item()
hw, p = 16, 4
x = torch.randint(0, 64000, (6, p + 3 * hw))
x[:, :p] = torch.randint(0, 64, (6, p)) + 64000
acts = torch.zeros(6, 3, 28)
fed = train.self_fed(model, x, acts, train.SelfFeed(0.5, 1, 0.0, kept=(1, 2)), torch.Generator().manual_seed(5))
logits, _ = model(x, 0, acts, model.empty_cache(6))
greedy = model.argmax_tokens(logits[:, p - 1 : -1])
g = torch.Generator().manual_seed(5)  # the same choices self_fed made
chosen = torch.rand(6, generator=g) < 0.5
kept = torch.tensor((1, 2))[torch.randint(0, 2, (6,), generator=g)]
rows = []
for i in range(6):
    k = p + int(kept[i]) * hw
    tail = "draws" if torch.equal(fed[i, k:], greedy[i, k - p :]) else "true" if torch.equal(fed[i, k:], x[i, k:]) else "other"
    rows.append({"chosen": bool(chosen[i]), "head": bool(torch.equal(fed[i, :k], x[i, :k])), "tail": tail})
out["rows"] = rows
two = train.self_fed(model, x, acts, train.SelfFeed(1.0, 2, 0.0), torch.Generator())
once = train.self_fed(model, x, acts, train.SelfFeed(1.0, 1, 0.0), torch.Generator())
again, _ = model(once, 0, acts, model.empty_cache(6))
out["twoPasses"] = bool(torch.equal(two[:, p + hw :], model.argmax_tokens(again[:, p - 1 : -1])[:, hw:]))
out["twoDiffer"] = bool(not torch.equal(two, once))
model.train()
loss, _ = train.batch_loss(model, x, acts, 0.2, torch.Generator().manual_seed(0), "cpu", feed=train.SelfFeed(0.5, 2, 0.7, (1, 2)))
loss.backward()
out["grad"] = all(q.grad is not None for q in model.head.parameters())
m = train.evaluate(model, x, acts, "cpu", train.SelfFeed(0.5, 1, 0.7, (1, 2)))
out["fedLoss"], out["loss"] = m["selfFedDigitLoss"], m["digitLoss"]
print(json.dumps(out))
`;

/** A little-endian int32 .npy file's values. */
function readInt32Npy(path: string): number[] {
  const b = readFileSync(path);
  const headerLength = b.readUInt16LE(8);
  assert.match(b.subarray(10, 10 + headerLength).toString('latin1'), /'descr': '<i4'/);
  const body = b.subarray(10 + headerLength);
  return Array.from({ length: body.length / 4 }, (_, i) => body.readInt32LE(i * 4));
}
