"""Fit a digit coupling (world_model.py, `coupling`) onto a trained world model whose transformer stays as it is.

The coupling is small (the graph's last projection to 5 x R numbers, and the sampler's tables), so it can be
fitted on the CPU from the frozen model's hidden states: this is how a session without a GPU machine gives a
shipped model coupled digits. Every clip is tokenized and run through the frozen model once; the hidden
states of the positions that predict a visual token are kept (all those whose token changed from a latent
frame earlier, and a share of the others, weighted back), and only the coupling is trained on them.

  python3 training/world/fit_coupling.py --from models/world-dv4x8x8/step.onnx --sim /tmp/sim-a,/tmp/sim-b \\
      --sim-eval /tmp/sim-held --tokenizer gpu-init/dv4x8x8.pt --rank 64 --minutes 10 --out /tmp/world-coupled

It prints the held-out loss with the digits drawn independently and with the coupling (the same frozen model),
and exports step.onnx, coupling.json and the manifest to --out like train.py --from does.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402
from world_model import LEVELS  # noqa: E402


def args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="source", required=True, help="a shipped step.onnx (beside its manifest) or a model.pt")
    p.add_argument("--sim", required=True, help="comma-separated folders of orbis sim npy samples to fit on")
    p.add_argument("--sim-eval", required=True, help="a folder of held-out samples (seeds the fit never saw)")
    p.add_argument("--tokenizer", required=True, help="the discrete tokenizer's model.pt")
    p.add_argument("--rank", type=int, default=64)
    p.add_argument("--minutes", type=float, default=5.0, help="fitting minutes, after the hidden states are collected")
    p.add_argument("--steps", type=int, help="fit this many steps instead (the rate's schedule by step; for tests)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch", type=int, default=4096, help="positions a step")
    p.add_argument("--changed-weight", type=float, default=2.0, help="as train.py: tokens that moved count 1 + W times")
    p.add_argument("--keep-unchanged", type=float, default=0.25, help="share of the unchanged positions kept (weighted back)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache", help="a file for the hidden states: saved after they are collected, loaded if present")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--tables-only", action="store_true", help="ctx does not depend on the hidden state (couple_in's bias alone)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--name")
    p.add_argument("--temperature", type=float)
    p.add_argument("--top-k", type=int)
    p.add_argument("--drafts", type=int)
    p.add_argument("--data-note")
    p.add_argument("--out", required=True)
    return p.parse_args()


@torch.no_grad()
def hidden_states(model, seqs, acts, keep_unchanged, changed_weight, g, group=4):
    """The frozen model's normalized hidden states at the positions that predict visual tokens, their targets and
    loss weights: every moved token's, and `keep_unchanged` of the others' (weighted 1 / keep_unchanged)."""
    p = model.prompt_length
    hw = model.grid[1] * model.grid[2]
    hs, targets, weights = [], [], []
    started = time.time()
    for i in range(0, seqs.shape[0], group):
        x, a = seqs[i : i + group], acts[i : i + group]
        h = model.trunk(x, a)[:, p - 1 : -1]
        target = x[:, p:]
        changed = torch.zeros_like(target, dtype=torch.bool)
        changed[:, hw:] = target[:, hw:] != target[:, :-hw]
        keep = changed | (torch.rand(target.shape, generator=g) < keep_unchanged)
        w = torch.where(changed, torch.tensor(1 + changed_weight), torch.tensor(1 / keep_unchanged))
        hs.append(h[keep].half())
        targets.append(target[keep])
        weights.append(w[keep])
        if (i // group) % 25 == 0:
            print(f"hidden states: {i + x.shape[0]} / {seqs.shape[0]} clips, {time.time() - started:.0f} s", flush=True)
    return torch.cat(hs), torch.cat(targets), torch.cat(weights)


def loss_of(model, h, target, weight, coupled=True):
    features = model.features_of_hidden(h.float())
    per_token = model.digit_loss(features, target, reduction="none", coupled=coupled)
    return (per_token * weight).sum() / weight.sum()


def main(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(a.seed)
    if a.source.endswith(".onnx"):
        state, _ = train.state_of_export(a.source)
    else:
        state = torch.load(a.source, map_location="cpu")
    margs = dict(state["margs"], coupling=a.rank)
    model = train.build(margs)
    train.load_init(model, a.source, "cpu", saved=state)
    model.eval()
    t0 = time.time()
    if a.cache and os.path.exists(a.cache):
        fit, test, clips = torch.load(a.cache)
    else:
        tok = train.load_tokenizer(a.tokenizer, "cpu")
        parts = [train.tokenize_folder(f, tok, margs, "cpu") for f in a.sim.split(",")]
        seqs, acts = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        held, held_acts = train.tokenize_folder(a.sim_eval, tok, margs, "cpu")[:2]
        clips = seqs.shape[0]
        print(f"tokenized {clips} clips to fit on and {held.shape[0]} held out in {time.time() - t0:.0f} s", flush=True)
        fit = hidden_states(model, seqs, acts, a.keep_unchanged, a.changed_weight, g)
        test = hidden_states(model, held, held_acts, a.keep_unchanged, a.changed_weight, g)
        if a.cache:
            torch.save((fit, test, clips), a.cache)
    print(f"{fit[0].shape[0]} positions to fit on, {test[0].shape[0]} held out ({time.time() - t0:.0f} s)", flush=True)
    params = [p for n, p in model.named_parameters() if n.startswith("couple_")]
    for n, p in model.named_parameters():
        p.requires_grad_(n.startswith("couple_"))
    if a.tables_only:
        model.couple_in.weight.data.zero_()
        model.couple_in.weight.requires_grad_(False)
        params = [p for p in params if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay)

    def held_out():
        with torch.no_grad():
            return [loss_of(model, *test, coupled=c).item() for c in (False, True)]

    with torch.no_grad():
        sub = torch.randperm(fit[0].shape[0], generator=g)[:40000]
        print(f"fit-set loss, digits independent {loss_of(model, fit[0][sub], fit[1][sub], fit[2][sub], coupled=False).item():.4f}", flush=True)
    before = held_out()
    print(f"held-out loss, digits independent {before[0]:.4f}, coupled (untrained) {before[1]:.4f}", flush=True)
    budget, started, step = a.minutes * 60, time.time(), 0
    n = fit[0].shape[0]
    best = (before[1], {k: v.clone() for k, v in model.state_dict().items() if k.startswith("couple_")})
    while (step < a.steps) if a.steps else (time.time() - started < budget):
        progress = step / a.steps if a.steps else (time.time() - started) / budget
        pick = torch.randint(0, n, (a.batch,), generator=g)
        lr = a.lr * 0.5 * (1 + torch.cos(torch.tensor(min(1.0, progress) * torch.pi))).item()
        for group in opt.param_groups:
            group["lr"] = lr
        loss = loss_of(model, fit[0][pick], fit[1][pick], fit[2][pick])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            now = held_out()
            print(f"step {step} loss {loss.item():.4f} held out {now[1]:.4f} (independent {now[0]:.4f}) lr {lr:.1e}", flush=True)
            if now[1] < best[0]:
                best = (now[1], {k: v.clone() for k, v in model.state_dict().items() if k.startswith("couple_")})
    model.load_state_dict(best[1], strict=False)
    after = held_out()
    print(json.dumps({"steps": step, "heldOutIndependent": round(after[0], 4), "heldOutCoupled": round(after[1], 4),
                      "positions": n, "clips": clips}), flush=True)
    # The export, as train.py --from would make it, with what this fit did added to the recipe.
    info = dict(state["info"])
    info["argv"] = list(info.get("argv", [])) + ["&&", "fit_coupling.py"] + sys.argv[1:]
    metrics = {"couplingFitHeldOutIndependent": after[0], "couplingFitHeldOutCoupled": after[1]}
    saved = state.get("args", {})
    for k in ("seed", "token_space"):
        setattr(a, k, saved.get(k, getattr(a, k, None)))
    for k in ("name", "temperature", "top_k", "drafts", "data_note"):
        if getattr(a, k, None) is None:
            setattr(a, k, saved.get(k))
    os.makedirs(a.out, exist_ok=True)
    manifest_metrics = {}
    if a.source.endswith(".onnx"):
        with open(os.path.join(os.path.dirname(os.path.abspath(a.source)), "manifest.json")) as f:
            manifest_metrics = {k: v for k, v in json.load(f)["metrics"].items() if k != "trainClipsPerSecond"}
    train.export(model, a, info, {**manifest_metrics, **metrics})


if __name__ == "__main__":
    main(args())
