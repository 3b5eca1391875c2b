"""Train a video tokenizer, export encoder and decoder to ONNX, and write the model's manifest.

  python3 training/tokenizer/train.py --kind continuous --spatial 8 --steps 3000 --out models/tokenizer-cv4x8x8
  python3 training/tokenizer/train.py --kind discrete --steps 3 --width 8 --size 32 --frames 5 --out /tmp/tiny

Runs on PyTorch 1.13 (Debian, CPU) and 2.x (the GPU machine: BF16 autocast, FP32 master weights). Data:
procedural moving textures made on the fly, plus `orbis sim` clips in .npy form with --sim <folder>.
The same seed gives the same run. --resume continues from <out>/checkpoint.pt.
"""

import argparse
import contextlib
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import SimClips, procedural_batch  # noqa: E402
from export import export  # noqa: E402
from losses import psnr, reconstruction_loss, ssim  # noqa: E402
from model import Tokenizer  # noqa: E402

HELD_OUT_SEED = 1_000_003  # evaluation clips come from a generator training never uses


def args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["continuous", "discrete"], default="continuous")
    p.add_argument("--spatial", type=int, choices=[8, 16], default=8)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--frames", type=int, default=9, help="1 + 4k")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sim", help="folder of orbis sim .npy clips to mix in (half of each batch)")
    p.add_argument("--eval-clips", type=int, default=16)
    p.add_argument("--out", required=True)
    p.add_argument("--name", help="model name (default: the --out folder's name)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--minutes", type=float, help="stop training after this long (the schedule follows the clock)")
    p.add_argument("--skip-export", action="store_true", help="train and save model.pt only")
    p.add_argument("--from", dest="source", help="export a model.pt trained elsewhere (its settings come with it)")
    a = p.parse_args()
    if (a.frames - 1) % 4:
        p.error("--frames must be 1 + 4k (the first frame is encoded alone, then groups of 4)")
    if a.size % a.spatial:
        p.error(f"--size must be a multiple of {a.spatial}")
    return a


def batch_of(a, g, sim, device):
    x = procedural_batch(a.batch, a.frames, a.size, g, device)
    if sim is not None and len(sim):
        s = sim.batch(a.batch // 2, a.frames, a.size, g, device)
        if s is not None:
            x = torch.cat([x[: a.batch - s.shape[0]], s])
    return x


@torch.no_grad()
def evaluate(model, a, device, sim=None):
    """Round-trip PSNR/SSIM on held-out clips, and bicubic down to the latent's size and back for comparison."""
    model.eval()
    g = torch.Generator().manual_seed(HELD_OUT_SEED)
    xs = [procedural_batch(4, a.frames, a.size, g, device) for _ in range(max(1, a.eval_clips // 4))]
    out = {}
    for name, clips in (("procedural", xs),):
        p = s = pb = sb = 0.0
        for x in clips:
            y = model(x).clamp(-1, 1)
            small = a.size // a.spatial
            b, c, t, h, w = x.shape
            flat = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
            down = F.interpolate(flat, size=(small, small), mode="bicubic", align_corners=False)
            up = F.interpolate(down, size=(h, w), mode="bicubic", align_corners=False).clamp(-1, 1)
            bic = up.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)
            p += psnr(y, x).item()
            s += ssim(y, x).item()
            pb += psnr(bic, x).item()
            sb += ssim(bic, x).item()
        n = len(clips)
        out[name] = {"psnr": p / n, "ssim": s / n, "bicubic_psnr": pb / n, "bicubic_ssim": sb / n}
    model.train()
    return out


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    a = parsed
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(a.out, exist_ok=True)
    model = Tokenizer(a.kind, a.spatial, width=a.width, blocks=a.blocks).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.99), weight_decay=1e-4)
    budget = a.minutes * 60 if a.minutes else None
    t_start = time.time()

    def progress(s):
        done = s / a.steps
        if budget:
            done = max(done, (time.time() - t_start) / budget)
        return min(1.0, done)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * progress(s))))
    g = torch.Generator().manual_seed(a.seed)
    start = 0
    ckpt = os.path.join(a.out, "checkpoint.pt")
    if a.resume and os.path.exists(ckpt):
        state = torch.load(ckpt, map_location=device)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        g.set_state(state["generator"])
        start = state["step"]
        print(f"resumed at step {start}", flush=True)
    sim = SimClips(a.sim) if a.sim else None
    t0 = time.time()
    samples = 0
    steps_done = start
    for step in range(start, a.steps):
        if budget and time.time() - t_start > budget:
            break
        steps_done = step + 1
        x = batch_of(a, g, sim, device)
        # BF16 compute with FP32 master weights where a GPU has it; plain FP32 on CPU.
        with torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else contextlib.nullcontext():
            y = model(x)
        loss = reconstruction_loss(y.float(), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        samples += x.shape[0]
        if step % 100 == 0 or step == a.steps - 1:
            rate = samples / max(time.time() - t0, 1e-6)
            print(f"step {step} loss {loss.item():.4f} {rate:.1f} samples/s", flush=True)
        if (step + 1) % 500 == 0:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "generator": g.get_state(), "step": step + 1}, ckpt)
    seconds = time.time() - t0
    info = {
        "steps": steps_done,
        "seconds": round(seconds, 1),
        "samplesPerSecond": round(samples / max(seconds, 1e-6), 2),
        "hardware": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "argv": sys.argv[1:],
    }
    torch.save({"model": model.state_dict(), "args": vars(a), "info": info}, os.path.join(a.out, "model.pt"))
    print(json.dumps({"trained": info, **evaluate(model, a, device, sim)["procedural"]}), flush=True)
    if not a.skip_export:
        finish(model, a, info, device, sim)


def from_checkpoint(a):
    state = torch.load(a.source, map_location="cpu")
    out, eval_clips = a.out, a.eval_clips
    for k, v in state["args"].items():
        setattr(a, k, v)
    a.out, a.eval_clips, a.source = out, eval_clips, None
    os.makedirs(a.out, exist_ok=True)
    model = Tokenizer(a.kind, a.spatial, width=a.width, blocks=a.blocks)
    model.load_state_dict(state["model"])
    finish(model, a, state["info"], "cpu", None)


def finish(model, a, info, device, sim):
    """Evaluate on held-out clips, export to ONNX, keep a parity reference, and write the manifest."""
    metrics = evaluate(model, a, device, sim)
    enc, dec = os.path.join(a.out, "encoder.onnx"), os.path.join(a.out, "decoder.onnx")
    latent_channels = export(model, enc, dec, size=a.size, frames=a.frames)
    # A parity reference: the same input through PyTorch, for the ONNX Runtime check in TypeScript.
    model = model.float().cpu().eval()
    x = procedural_batch(1, a.frames, a.size, torch.Generator().manual_seed(7))
    with torch.no_grad():
        z = model.encode(x)
        y = model.decode(z)
    np.save(os.path.join(a.out, "parity-input.npy"), x.numpy())
    np.save(os.path.join(a.out, "parity-latent.npy"), z.numpy())
    np.save(os.path.join(a.out, "parity-output.npy"), y.numpy())
    dims = lambda c: [{"name": "batch"}, c, "time", "height", "width"]
    tensor = lambda name, c: {"name": name, "dtype": "float32", "shape": ["batch", c, "time", "height", "width"]}
    name = a.name or os.path.basename(os.path.abspath(a.out))
    p = metrics["procedural"]
    manifest = {
        "name": name,
        "version": "1",
        "family": f"tokenizer-{a.kind}",
        "description": f"causal video tokenizer, {a.kind}, compression 4x{a.spatial}x{a.spatial}"
        + (", FSQ levels [8,8,8,5,5,5]" if a.kind == "discrete" else f", {latent_channels} latent channels"),
        "files": [
            {"path": "encoder.onnx", "sha256": sha256(enc), "bytes": os.path.getsize(enc), "role": "encoder",
             "inputs": [tensor("video", 3)], "outputs": [tensor("latent", latent_channels)]},
            {"path": "decoder.onnx", "sha256": sha256(dec), "bytes": os.path.getsize(dec), "role": "decoder",
             "inputs": [tensor("latent", latent_channels)], "outputs": [tensor("video", 3)]},
        ],
        "compression": {"time": 4, "height": a.spatial, "width": a.spatial, "latentChannels": latent_channels,
                        **({"levels": [8, 8, 8, 5, 5, 5]} if a.kind == "discrete" else {}),
                        "firstFrameAlone": True, "range": [-1, 1]},
        "training": {"data": "procedural moving textures" + (f" + orbis sim clips ({a.sim})" if a.sim else ""),
                     "seed": a.seed, "steps": info["steps"], "recipe": "training/tokenizer/train.py " + " ".join(info["argv"]),
                     "hardware": info["hardware"], "seconds": info["seconds"]},
        "metrics": {"psnr": round(p["psnr"], 3), "ssim": round(p["ssim"], 4),
                    "bicubicPsnr": round(p["bicubic_psnr"], 3), "bicubicSsim": round(p["bicubic_ssim"], 4),
                    "trainSamplesPerSecond": info["samplesPerSecond"]},
        "evaluatedOn": f"{a.eval_clips} held-out procedural clips ({a.frames} frames, {a.size}x{a.size}, generator seed {HELD_OUT_SEED})",
        "license": "Apache-2.0",
    }
    del dims
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(json.dumps({"out": a.out, **manifest["metrics"]}), flush=True)


if __name__ == "__main__":
    parsed = args()
    if parsed.source:
        from_checkpoint(parsed)
    else:
        main()
