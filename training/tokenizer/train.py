"""Train a video tokenizer, export encoder and decoder to ONNX, and write the model's manifest.

  python3 training/tokenizer/train.py --kind continuous --spatial 8 --steps 3000 --out models/tokenizer-cv4x8x8
  python3 training/tokenizer/train.py --kind discrete --steps 3 --width 8 --size 32 --frames 5 --out /tmp/tiny

Runs on PyTorch 1.13 (Debian, CPU) and 2.x (the GPU machine: BF16 autocast, FP32 master weights). Data:
procedural moving textures made on the fly, plus `orbis sim` clips in .npy form with --sim <folder>.
The same seed gives the same run. --resume continues from <out>/checkpoint.pt.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import SimClips, procedural_batch  # noqa: E402
from export import export, round_to_fp16, sha256  # noqa: E402
from loop import TrainStep, clock_cosine  # noqa: E402
from losses import psnr, reconstruction_loss, ssim  # noqa: E402
from model import Tokenizer  # noqa: E402

HELD_OUT_SEED = 1_000_003  # evaluation clips come from a generator training never uses


def args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["continuous", "discrete"], default="continuous")
    p.add_argument("--spatial", type=int, choices=[8, 16], default=8)
    p.add_argument("--temporal", type=int, choices=[4, 8], default=4)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--frames", type=int, default=9, help="1 + 4k (1 + 8k with --temporal 8)")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sim", help="folder of orbis sim .npy clips (orbis-sim generate --format npy) to train on")
    p.add_argument("--sim-share", type=float, default=0.75, help="share of each batch from --sim (the rest procedural)")
    p.add_argument("--sim-eval", help="folder of held-out orbis sim clips (seeds training never saw) to evaluate on")
    p.add_argument("--eval-clips", type=int, default=16)
    p.add_argument("--eval-frames", type=int, default=17, help="frames per held-out sim clip (1 + 4k)")
    p.add_argument("--compile", action="store_true", help="torch.compile the training step (PyTorch 2.x; falls back to eager)")
    p.add_argument("--init", help="start from the weights of this model.pt (same settings), with a fresh optimizer")
    p.add_argument("--data-note", help="what the training data was, for the manifest (default: from the sim folder's run report)")
    p.add_argument("--fp32-weights", action="store_true", help="export FP32 initializers (default: FP16, cast on load)")
    p.add_argument("--out", required=True)
    p.add_argument("--name", help="model name (default: the --out folder's name)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--minutes", type=float, help="stop training after this long (the schedule follows the clock)")
    p.add_argument("--skip-export", action="store_true", help="train and save model.pt only")
    p.add_argument("--from", dest="source", help="export a model.pt trained elsewhere (its settings come with it)")
    a = p.parse_args()
    if (a.frames - 1) % a.temporal:
        p.error(f"--frames must be 1 + {a.temporal}k (the first frame is encoded alone, then groups of {a.temporal})")
    if a.size % a.spatial:
        p.error(f"--size must be a multiple of {a.spatial}")
    return a


def batch_of(a, g, sim, device):
    n_sim = round(a.batch * a.sim_share) if sim is not None and len(sim) else 0
    parts = []
    if n_sim < a.batch:
        parts.append(procedural_batch(a.batch - n_sim, a.frames, a.size, g, device))
    if n_sim:
        parts.append(sim.batch(n_sim, a.frames, a.size, g, device))
    return torch.cat(parts) if len(parts) > 1 else parts[0]


def bicubic(x, factor):
    """Each frame bicubic-downscaled by `factor` (to the latent's size) and back up."""
    b, c, t, h, w = x.shape
    flat = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
    down = F.interpolate(flat, size=(h // factor, w // factor), mode="bicubic", align_corners=False)
    up = F.interpolate(down, size=(h, w), mode="bicubic", align_corners=False).clamp(-1, 1)
    return up.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)


@torch.no_grad()
def evaluate(model, a, device, sim_eval=None):
    """Round-trip PSNR/SSIM on held-out clips, and bicubic down to the latent's size and back for comparison:
    procedural clips from a generator seed training never uses, and held-out sim clips when given."""
    model.eval()
    g = torch.Generator().manual_seed(HELD_OUT_SEED)
    sets = {"procedural": [procedural_batch(4, a.frames, a.size, g, device) for _ in range(max(1, a.eval_clips // 4))]}
    if sim_eval is not None and len(sim_eval):
        frames = min(a.eval_frames, sim_eval.shape[0])
        whole = sim_eval.clips(a.eval_clips, frames - (frames - 1) % a.temporal)
        sets["sim"] = [whole[i : i + 2].to(device) for i in range(0, whole.shape[0], 2)]
    out = {}
    for name, clips in sets.items():
        p = s = pb = sb = 0.0
        for x in clips:
            y = model(x).clamp(-1, 1)
            bic = bicubic(x, a.spatial)
            p += psnr(y, x).item()
            s += ssim(y, x).item()
            pb += psnr(bic, x).item()
            sb += ssim(bic, x).item()
        n = len(clips)
        out[name] = {"psnr": p / n, "ssim": s / n, "bicubic_psnr": pb / n, "bicubic_ssim": sb / n,
                     "clips": sum(c.shape[0] for c in clips), "shape": list(clips[0].shape[2:])}
    model.train()
    return out


def main():
    a = parsed
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(a.out, exist_ok=True)
    model = Tokenizer(a.kind, a.spatial, width=a.width, blocks=a.blocks, temporal=a.temporal).to(device)
    if a.init:
        # Missing keys are allowed, so that a model can start from one without its extra (temporal) layers.
        missing, unexpected = model.load_state_dict(torch.load(a.init, map_location=device)["model"], strict=False)
        if unexpected:
            raise SystemExit(f"--init {a.init} has weights this model lacks: {unexpected[:4]}")
        print(f"weights from {a.init}" + (f"; new: {missing}" if missing else ""), flush=True)
    step = TrainStep(model, a.compile, device)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.99), weight_decay=1e-4)
    budget = a.minutes * 60 if a.minutes else None
    t_start = time.time()
    sched = clock_cosine(opt, a.steps, a.minutes, warmup=100)
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
    sim = SimClips(a.sim, device) if a.sim else None
    sim_eval = SimClips(a.sim_eval, device) if a.sim_eval else None
    for label, bank in (("sim", sim), ("sim-eval", sim_eval)):
        if bank is not None:
            print(f"{label}: {len(bank)} clips of {bank.shape} ({bank.skipped} skipped)", flush=True)
    t0 = time.time()
    samples = 0
    steps_done = start
    for i in range(start, a.steps):
        if budget and time.time() - t_start > budget:
            break
        steps_done = i + 1
        x = batch_of(a, g, sim, device)
        y = step(lambda m: m(x))
        loss = reconstruction_loss(y.float(), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        samples += x.shape[0]
        if i % 100 == 0 or i == a.steps - 1:
            rate = samples / max(time.time() - t0, 1e-6)
            print(f"step {i} loss {loss.item():.4f} {rate:.1f} samples/s", flush=True)
        if (i + 1) % 500 == 0:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "generator": g.get_state(), "step": i + 1}, ckpt)
    seconds = time.time() - t0
    info = {
        "steps": steps_done,
        "seconds": round(seconds, 1),
        "samplesPerSecond": round(samples / max(seconds, 1e-6), 2),
        "hardware": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "argv": sys.argv[1:],
    }
    torch.save({"model": model.state_dict(), "args": vars(a), "info": info}, os.path.join(a.out, "model.pt"))
    if not a.fp32_weights:
        round_to_fp16(model)  # the weights the export stores, so the metrics describe the shipped model
    metrics = evaluate(model, a, device, sim_eval)
    print(json.dumps({"trained": info, **metrics}), flush=True)
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump({"trained": info, **metrics}, f, indent=2)
    if not a.skip_export:
        finish(model, a, info, metrics)


def from_checkpoint(a):
    source = a.source
    state = torch.load(source, map_location="cpu")
    out, eval_clips, note, name = a.out, a.eval_clips, a.data_note, a.name
    for k, v in state["args"].items():
        setattr(a, k, v)
    a.out, a.eval_clips, a.source, a.data_note, a.name = out, eval_clips, None, note, name
    os.makedirs(a.out, exist_ok=True)
    model = Tokenizer.from_state(state)
    a.temporal = model.temporal
    if not getattr(a, "fp32_weights", False):
        round_to_fp16(model)
    measured = os.path.join(os.path.dirname(os.path.abspath(source)), "metrics.json")
    if os.path.exists(measured):  # measured where it was trained, on the held-out sets
        with open(measured) as f:
            metrics = {k: v for k, v in json.load(f).items() if k != "trained"}
    else:
        metrics = evaluate(model, a, "cpu")
    finish(model, a, state["info"], metrics)


def data_note(a):
    if getattr(a, "data_note", None):
        return a.data_note
    note = "procedural moving textures"
    if a.sim:
        try:
            with open(os.path.join(a.sim, "run-report.json")) as f:
                r = json.load(f)
            o = r["options"]
            note += (f" ({1 - a.sim_share:.0%} of each batch) + orbis sim clips: {len(o['scenarios'])} scenarios,"
                     f" seeds {min(o['seeds'])}-{max(o['seeds'])}, {len(o['views'])} views, {o['looks']} looks,"
                     f" {r['samples']} clips of {o['frames']} frames at {o['size']}x{o['size']}")
        except (OSError, ValueError, KeyError):
            note += f" + orbis sim clips ({a.sim})"
    return note


def metric_fields(metrics, info):
    """Manifest metrics: the sim held-out set is the headline when there is one, procedural clips beside it."""
    fields = {}
    head = "sim" if "sim" in metrics else "procedural"
    for name, m in sorted(metrics.items(), key=lambda kv: kv[0] != head):
        prefix = "" if name == head else name
        key = lambda k: prefix + k[0].upper() + k[1:] if prefix else k
        fields.update({key("psnr"): round(m["psnr"], 3), key("ssim"): round(m["ssim"], 4),
                       key("bicubicPsnr"): round(m["bicubic_psnr"], 3), key("bicubicSsim"): round(m["bicubic_ssim"], 4)})
    fields["trainSamplesPerSecond"] = info["samplesPerSecond"]
    return fields


def finish(model, a, info, metrics):
    """Export to ONNX, keep a parity reference, and write the manifest with the held-out metrics."""
    enc, dec = os.path.join(a.out, "encoder.onnx"), os.path.join(a.out, "decoder.onnx")
    latent_channels = export(model, enc, dec, size=a.size, frames=a.frames, fp16_weights=not getattr(a, "fp32_weights", False))
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
    manifest = {
        "name": name,
        "version": "1",
        "family": f"tokenizer-{a.kind}",
        "description": f"causal video tokenizer, {a.kind}, compression {a.temporal}x{a.spatial}x{a.spatial}"
        + (", FSQ levels [8,8,8,5,5,5]" if a.kind == "discrete" else f", {latent_channels} latent channels"),
        "files": [
            {"path": "encoder.onnx", "sha256": sha256(enc), "bytes": os.path.getsize(enc), "role": "encoder",
             "inputs": [tensor("video", 3)], "outputs": [tensor("latent", latent_channels)]},
            {"path": "decoder.onnx", "sha256": sha256(dec), "bytes": os.path.getsize(dec), "role": "decoder",
             "inputs": [tensor("latent", latent_channels)], "outputs": [tensor("video", 3)]},
        ],
        "compression": {"time": a.temporal, "height": a.spatial, "width": a.spatial, "latentChannels": latent_channels,
                        **({"levels": [8, 8, 8, 5, 5, 5]} if a.kind == "discrete" else {}),
                        "firstFrameAlone": True, "range": [-1, 1]},
        "training": {"data": data_note(a),
                     "seed": a.seed, "steps": info["steps"],
                     "recipe": info.get("recipe") or "training/tokenizer/train.py " + " ".join(info["argv"]),
                     "hardware": info["hardware"], "seconds": info["seconds"]},
        "metrics": metric_fields(metrics, info),
        "evaluatedOn": "; ".join(
            f"{k}: {v['clips']} held-out clips of {v['shape'][0]} frames at {v['shape'][2]}x{v['shape'][1]}"
            + (f" (generator seed {HELD_OUT_SEED})" if k == "procedural" else f" ({a.sim_eval}, seeds training never saw)")
            for k, v in metrics.items()
        ),
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
