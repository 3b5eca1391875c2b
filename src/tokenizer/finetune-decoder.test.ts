import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support.js';
import { TORCH_PYTHON, tinyTokenizerArgs } from './testing.js';

/**
 * training/tokenizer/finetune_decoder.py on a tiny discrete tokenizer and two tiny sim folders written here:
 * only the decoder moves (so a world model's tokens stay what they were), the weighed bodies are the moving
 * ones, and the L1 weighs their pixels 1 + W.
 */
const RECIPE = resolve(import.meta.dirname, '../../training/tokenizer');

// Two folders of orbis-sim-shaped samples (rgb.npy, mask.npy, sample.json): a floor (furniture), a moving
// box (id 2) and a fixed post (id 3), 5 frames at 32x32.
const SIM = `
import json, os, sys, numpy as np
rng = np.random.default_rng(0)
for split in ("train", "eval"):
    for k in range(2):
        d = os.path.join(sys.argv[1], split, "s%d" % k)
        os.makedirs(d)
        rgb = rng.integers(90, 110, (5, 32, 32, 3), dtype=np.uint8)
        mask = np.ones((5, 32, 32), np.uint8)
        for t in range(5):
            rgb[t, 8:14, 4 + 3 * t : 10 + 3 * t] = (200, 40, 60)
            mask[t, 8:14, 4 + 3 * t : 10 + 3 * t] = 2
        rgb[:, 20:28, 24:28] = (40, 40, 200)
        mask[:, 20:28, 24:28] = 3
        np.save(os.path.join(d, "rgb.npy"), rgb)
        np.save(os.path.join(d, "mask.npy"), mask)
        bodies = [{"id": 1, "motion": "fixed", "furniture": True}, {"id": 2, "motion": "dynamic", "furniture": False},
                  {"id": 3, "motion": "fixed", "furniture": False}]
        json.dump({"bodies": bodies}, open(os.path.join(d, "sample.json"), "w"))
`;

const CHECK = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import finetune_decoder as ft
from losses import weighted_l1
tiny, tuned, sim = sys.argv[2:5]
a = torch.load(tiny, map_location="cpu")["model"]
b = torch.load(tuned, map_location="cpu")["model"]
frozen = [k for k in a if not k.startswith(("decoder.", "to_pixels."))]
rgb, objects = ft.load_clips(sim, 5)
x = torch.zeros(1, 3, 5, 32, 32)
m = objects[:1]
y_object, y_floor = x.clone(), x.clone()
y_object[0, :, 0, 10, 6] = 0.5   # a pixel of the moving box in frame 0
y_floor[0, :, 0, 10, 25] = 0.5    # a floor pixel
w = ft.object_weights(m, 4.0)
ratio = weighted_l1(y_object, x, w) / weighted_l1(y_floor, x, w)
print(json.dumps({
    "frozenEqual": all(torch.equal(a[k], b[k]) for k in frozen),
    "frozen": len(frozen),
    "decoderMoved": any(not torch.equal(a[k], b[k]) for k in b if k.startswith("decoder.")),
    "clips": int(rgb.shape[0]),
    "movingPixels": int(objects[0, 0].sum()),
    "postCounted": bool(objects[:, :, 20:28, 24:28].any()),
    "ratio": float(ratio),
}))
`;

// onnx_weights.py's checkpoint of an exported tokenizer, loaded as a model, against the FP32 weights it came from.
const ROUND_TRIP = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from model import Tokenizer
from onnx_weights import tokenizer_checkpoint
args = tokenizer_checkpoint(sys.argv[2], sys.argv[3])
back = Tokenizer.from_state(torch.load(sys.argv[3])).state_dict()
tuned = torch.load(sys.argv[4])["model"]
rel = lambda a, b: float(((a - b).abs() / (b.abs() + 1e-4)).max())
print(json.dumps({"args": args, "maxRel": max(rel(back[k], tuned[k].float()) for k in tuned)}))
`;

test('finetune_decoder.py moves the decoder alone, weighs the moving bodies 1 + W, and re-exports the same encoder', {
  timeout: 180_000,
}, () => {
  const dir = tempDir('orbis-finetune-decoder-');
  execFileSync(TORCH_PYTHON, tinyTokenizerArgs(dir, 'tiny-dv', 'discrete'), { stdio: 'pipe' });
  execFileSync(TORCH_PYTHON, ['-c', SIM, join(dir, 'sim')], { stdio: 'pipe' });
  const ft = join(dir, 'ft');
  execFileSync(
    TORCH_PYTHON,
    [
      join(RECIPE, 'finetune_decoder.py'),
      ...['--init', join(dir, 'tiny-dv', 'model.pt'), '--sim', join(dir, 'sim', 'train')],
      ...['--sim-eval', join(dir, 'sim', 'eval'), '--frames', '5', '--batch', '2', '--lr', '1e-2'],
      ...['--minutes', '0.02', '--object-weight', '4', '--procedural', '1', '--out', ft],
    ],
    { stdio: 'pipe' },
  );
  const report = JSON.parse(readFileSync(join(ft, 'finetune.json'), 'utf8'));
  assert.ok(report.trained.steps >= 1, `${report.trained.steps} steps`);
  for (const when of ['before', 'after'])
    for (const key of ['psnr', 'ssim', 'objectPsnr'])
      assert.ok(Number.isFinite(report[when][key]), `${when}.${key} = ${report[when][key]}`);
  // What train.py --from puts in the manifest: measured as it measures every tokenizer.
  const metrics = JSON.parse(readFileSync(join(ft, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(metrics).sort(), ['procedural', 'sim']);
  assert.equal(metrics.sim.clips, 2);
  assert.ok(Number.isFinite(metrics.sim.psnr) && Number.isFinite(metrics.procedural.bicubic_psnr));
  const check = JSON.parse(
    execFileSync(TORCH_PYTHON, [
      '-c',
      CHECK,
      RECIPE,
      join(dir, 'tiny-dv', 'model.pt'),
      join(ft, 'model.pt'),
      join(dir, 'sim', 'train'),
    ]).toString(),
  );
  assert.equal(check.frozenEqual, true, 'the encoder and the quantizer must not move');
  assert.ok(check.frozen > 10, `${check.frozen} frozen tensors`);
  assert.equal(check.decoderMoved, true);
  assert.equal(check.clips, 2);
  assert.equal(check.movingPixels, 36);
  assert.equal(check.postCounted, false, 'a fixed body is not a moving one');
  assert.ok(Math.abs(check.ratio - 5) < 1e-3, `an object pixel's L1 weighs ${check.ratio}x a floor pixel's`);
  // The export of the tuned model: the encoder is the same bytes, so its tokens are the same tokens.
  execFileSync(
    TORCH_PYTHON,
    [
      join(RECIPE, 'train.py'),
      '--from',
      join(ft, 'model.pt'),
      '--eval-clips',
      '2',
      '--out',
      join(dir, 'tiny-ft'),
    ],
    { stdio: 'pipe' },
  );
  const manifest = JSON.parse(readFileSync(join(dir, 'tiny-ft', 'manifest.json'), 'utf8'));
  assert.ok(
    Math.abs(manifest.metrics.psnr - metrics.sim.psnr) < 6e-4,
    'the manifest heads with the sim PSNR',
  );
  assert.match(
    manifest.training.recipe,
    /^training\/tokenizer\/finetune_decoder\.py --init .* --procedural 1 /,
  );
  const bytes = (name: string) => readFileSync(join(dir, name, 'encoder.onnx'));
  assert.ok(bytes('tiny-ft').equals(bytes('tiny-dv')), 'the re-exported encoder differs');
  assert.ok(
    !readFileSync(join(dir, 'tiny-ft', 'decoder.onnx')).equals(
      readFileSync(join(dir, 'tiny-dv', 'decoder.onnx')),
    ),
  );
  // Its weights back from the ONNX files, as a next fine-tune or a world model's training starts from them: the
  // settings come from the manifest and the weights, since a fine-tune's recipe does not name them.
  const back = JSON.parse(
    execFileSync(TORCH_PYTHON, [
      '-c',
      ROUND_TRIP,
      RECIPE,
      join(dir, 'tiny-ft'),
      join(dir, 'back.pt'),
      join(ft, 'model.pt'),
    ]).toString(),
  );
  assert.deepEqual(back.args, { kind: 'discrete', spatial: 8, temporal: 4, width: 8, blocks: 1 });
  // FP16 in the ONNX files: each weight within its rounding (2^-11 of itself)
  assert.ok(back.maxRel < 1e-3, `the weights read back differ by up to ${back.maxRel} of themselves`);
});
