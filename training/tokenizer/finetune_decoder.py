"""Fine-tune a tokenizer's decoder alone, with the moving objects' pixels weighed more, on `orbis sim` clips.

The encoder (and so every token a world model was trained on) stays as it is: a world model over the tokenizer
keeps working, and draws what it predicts with the new decoder. The plain reconstruction loss (L1 + SSIM over
all pixels) gives a small ball about a hundredth of a frame's weight, and the discrete tokenizer redraws such a
ball grey or smeared (docs/physics-eval.md, "What to read"); here the L1 of each pixel that shows a moving body
(not fixed, not furniture: the bodies object IoU scores, from the sim's mask.npy and sample.json) counts
1 + W times. Every clip is encoded once, then only the decoder trains. `--procedural K` adds K procedural clips
(plain loss) to each step, so that the decoder keeps drawing content other than the sim's. Runs on the CPU (the
decoder works at 1/8 of the resolution: 0.4-0.6 s a clip on 2 cores) or, with `--device cuda --bf16`, on a GPU
(about 250 clips a second on one H100; training/tokenizer/gpu-finetune.sh makes the clips there and runs it).

  orbis sim generate --scenario all --views 4 --size 128 --frames 33 --format npy --seeds 20000-20015 --looks 2 --out <train>
  orbis sim generate --scenario all --views 4 --size 128 --frames 33 --format npy --seeds 900000-900001 --looks 1 --out <eval>
  python3 training/tokenizer/finetune_decoder.py --init gpu-init/dv4x8x8.pt --sim <train> --sim-eval <eval> \
      --object-weight 8 --minutes 30 --out <dir>
  python3 training/tokenizer/train.py --from <dir>/model.pt --name <name> --out <models>/<name>
"""

import argparse
import contextlib
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import SimClips, procedural_batch, sim_files  # noqa: E402
from export import round_to_fp16  # noqa: E402
from loop import clock_cosine  # noqa: E402
from losses import psnr, reconstruction_loss, ssim  # noqa: E402
from model import Tokenizer  # noqa: E402
from train import evaluate as manifest_metrics  # noqa: E402


PROCEDURAL_FRAMES, PROCEDURAL_SIZE = 17, 64  # the tokenizers' own procedural clips are 9-17 frames at 64x64


def args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--init", required=True, help="the tokenizer's model.pt (train.py's, or gpu-init/<space>.pt)")
    p.add_argument("--sim", required=True, help="orbis sim npy folder to train on (rgb.npy, mask.npy, sample.json)")
    p.add_argument("--sim-eval", required=True, help="orbis sim npy folder of seeds training never saw")
    p.add_argument("--object-weight", type=float, default=8.0, help="W: a moving body's pixel weighs 1 + W in the L1")
    p.add_argument("--procedural", type=int, default=0,
                   help="procedural clips (17 frames at 64x64, plain loss) added to each step, so the decoder keeps drawing other content")
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--frames", type=int, default=33)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, or cuda (the clips are then held on the GPU)")
    p.add_argument("--bf16", action="store_true", help="BF16 autocast on cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    return p.parse_args()


def load_clips(folder, frames):
    """uint8 RGB [N, T, H, W, 3] and bool moving-body masks [N, T, H, W] of every sample of a sim npy folder."""
    rgbs, masks = [], []
    for path in sim_files(folder):
        d = os.path.dirname(path)
        with open(os.path.join(d, "sample.json")) as f:
            bodies = json.load(f)["bodies"]
        ids = [b["id"] for b in bodies if not b.get("furniture") and b.get("motion") != "fixed"]
        rgbs.append(np.load(path)[:frames])
        masks.append(np.isin(np.load(os.path.join(d, "mask.npy"))[:frames], ids))
    if not rgbs:
        raise SystemExit(f"{folder}: no orbis sim clips (rgb.npy) found; make them with `orbis sim generate --format npy`")
    return torch.from_numpy(np.stack(rgbs)), torch.from_numpy(np.stack(masks))


def pixels(rgb):
    return rgb.permute(0, 4, 1, 2, 3).float() / 127.5 - 1


@torch.no_grad()
def encode_all(model, rgb, batch=8):
    dev = next(model.parameters()).device
    return torch.cat([model.encode(pixels(rgb[i : i + batch].to(dev))) for i in range(0, len(rgb), batch)])


def object_weights(objects, weight):
    """Per-pixel L1 weights [B, 1, T, H, W]: 1 + `weight` on a moving body's pixel (`objects` [B, T, H, W]), else 1."""
    return 1 + weight * objects.unsqueeze(1).float()


@torch.no_grad()
def evaluate(model, z, rgb, objects, batch=8):
    """PSNR and SSIM of the round trip, and the PSNR over the moving bodies' pixels alone."""
    n, total = len(z), {"psnr": 0.0, "ssim": 0.0}
    err, count = 0.0, 0.0
    dev = z.device
    for i in range(0, n, batch):
        x = pixels(rgb[i : i + batch].to(dev))
        y = model.decode(z[i : i + batch]).float().clamp(-1, 1)
        k = len(x)
        total["psnr"] += psnr(y, x).item() * k
        total["ssim"] += ssim(y, x).item() * k
        m = objects[i : i + batch].to(dev).unsqueeze(1).float()
        err += (((y - x) / 2) ** 2 * m).sum().item()
        count += m.sum().item() * 3
    out = {k: v / n for k, v in total.items()}
    out["objectPsnr"] = 10 * np.log10(1 / max(err / max(count, 1), 1e-10))
    return out


def main():
    a = args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    state = torch.load(a.init, map_location="cpu")
    dev = torch.device(a.device)
    if dev.type == "cuda":
        # The encoder in full FP32 (no TF32), so its tokens are the ones the CPU and the ONNX files give; the
        # decoder's step runs under --bf16.
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    model = Tokenizer.from_state(state).to(dev).eval()
    started = time.time()
    rgb, objects = (t.to(dev) for t in load_clips(a.sim, a.frames))
    eval_rgb, eval_objects = load_clips(a.sim_eval, a.frames)
    z, eval_z = encode_all(model, rgb), encode_all(model, eval_rgb)
    print(f"encoded {len(z)} training clips and {len(eval_z)} held-out ones in {time.time() - started:.0f} s", flush=True)
    before = evaluate(model, eval_z, eval_rgb, eval_objects)
    print("held out, before:", json.dumps({k: round(v, 3) for k, v in before.items()}), flush=True)
    params = list(model.decoder.parameters()) + list(model.to_pixels.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    sched = clock_cosine(opt, 10**9, a.minutes, warmup=20)
    g = torch.Generator().manual_seed(a.seed)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if a.bf16 and dev.type == "cuda" else contextlib.nullcontext()
    model.decoder.train()
    step, began = 0, time.time()
    while time.time() - began < a.minutes * 60:
        pick = torch.randint(0, len(z), (a.batch,), generator=g).to(dev)
        x = pixels(rgb[pick])
        # Mirrored half the time: a mirrored clip is as good a clip, and the latent mirrors with it only through
        # the encoder, so the mirror is encoded again (cheap beside the decoder's step).
        flip = (torch.rand(a.batch, generator=g) < 0.5).to(dev)
        zb, m = z[pick], objects[pick]
        if flip.any():
            x[flip] = x[flip].flip(-1)
            m = m.clone()
            m[flip] = m[flip].flip(-1)
            with torch.no_grad():
                zb = zb.clone()
                zb[flip] = model.encode(x[flip])
        with autocast:
            y = model.decode(zb)
        loss = reconstruction_loss(y.float(), x, object_weights(m, a.object_weight))
        if a.procedural:
            p = procedural_batch(a.procedural, PROCEDURAL_FRAMES, PROCEDURAL_SIZE, g, dev)
            with torch.no_grad():
                zp = model.encode(p)
            with autocast:
                yp = model.decode(zp)
            loss = loss + reconstruction_loss(yp.float(), p)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.2e} {time.time() - began:.0f} s", flush=True)
    model.eval()
    after = evaluate(model, eval_z, eval_rgb, eval_objects)
    print("held out, after:", json.dumps({k: round(v, 3) for k, v in after.items()}), flush=True)
    os.makedirs(a.out, exist_ok=True)
    argv = ["--init", a.init, "--sim", a.sim, "--sim-eval", a.sim_eval, "--object-weight", str(a.object_weight),
            "--procedural", str(a.procedural), "--minutes", str(a.minutes), "--batch", str(a.batch), "--lr", str(a.lr), "--frames", str(a.frames)]
    if a.device != "cpu":
        argv += ["--device", a.device] + (["--bf16"] if a.bf16 else [])
    info = {"steps": step, "seconds": round(time.time() - began, 1), "samplesPerSecond": round(step * a.batch / (time.time() - began), 2),
            "hardware": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu", "argv": argv, "recipe": "training/tokenizer/finetune_decoder.py " + " ".join(argv)}
    # The tokenizer's own settings stay (train.py --from exports with them); the held-out folder is named so that
    # the manifest says what it was measured on.
    torch.save({"model": {k: v.cpu() for k, v in model.state_dict().items()}, "args": {**state["args"], "sim_eval": a.sim_eval}, "info": info, "from": a.init},
               os.path.join(a.out, "model.pt"))
    with open(os.path.join(a.out, "finetune.json"), "w") as f:
        json.dump({"before": before, "after": after, "trained": info}, f, indent=2)
    # The manifest's figures, as train.py measures every tokenizer (on the FP16-rounded weights it ships):
    # train.py --from reads them from metrics.json beside model.pt.
    shape = argparse.Namespace(frames=9, size=64, eval_clips=32, eval_frames=17, temporal=model.temporal,
                               spatial=model.spatial)
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(manifest_metrics(round_to_fp16(model), shape, dev, SimClips(a.sim_eval, dev)), f, indent=2)


if __name__ == "__main__":
    main()
