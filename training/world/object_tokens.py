"""Which visual tokens cover the scored objects, and how many of them the CHANGED_WEIGHT weighting reaches.

Object IoU scores the sim's non-furniture bodies (src/eval/physics-eval.ts). Training weighs tokens that differ
from the token a latent frame earlier ("changed"). This tokenizes held-out clips and reports, per scenario, the
share of tokens on objects, the share that changed, and how the two overlap:

  python3 training/world/object_tokens.py --sim <orbis sim npy folder> --tokenizer gpu-init/dv4x8x8.pt [--every 4]
"""

import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sim", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--token-space", default="dv4x8x8")
    p.add_argument("--every", type=int, default=1, help="take every n-th clip")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    space = train.TOKEN_SPACES[a.token_space]
    latents, per_latent = space["grid"][0], space["per_latent"]
    tok = train.load_tokenizer(a.tokenizer, "cpu")
    dirs = sorted(os.path.dirname(f) for f in glob.glob(os.path.join(a.sim, "**", "rgb.npy"), recursive=True))[:: a.every]
    sums = {}
    for d in dirs:
        with open(os.path.join(d, "sample.json")) as f:
            sample = json.load(f)
        frames = 1 + per_latent * (latents - 1)
        x = torch.from_numpy(np.load(os.path.join(d, "rgb.npy"))[None, :frames]).permute(0, 4, 1, 2, 3).float() / 127.5 - 1
        with torch.no_grad():
            idx = tok.fsq.to_indices(tok.encode(x))[0].numpy()  # [latents, H, W]
        objects = train.clip_objects(d, latents, per_latent, idx.shape[2], frames)[1:]  # what --object-weight weighs
        changed = idx[1:] != idx[:-1]
        s = sums.setdefault(sample["scenario"], np.zeros(4))
        s += [objects.sum(), (objects & changed).sum(), changed.sum(), objects.size]
    rows = {k: {"objectShare": o / n, "changedShare": c / n, "objectsChanged": oc / max(o, 1), "changedOnObjects": oc / max(c, 1)}
            for k, (o, oc, c, n) in sorted(sums.items())}
    print(f"{'scenario':16s}{'on objects':>11s}{'changed':>9s}{'objects that changed':>22s}{'changed on objects':>20s}")
    for k, r in rows.items():
        print(f"{k:16s}{r['objectShare']:11.3f}{r['changedShare']:9.3f}{r['objectsChanged']:22.2f}{r['changedOnObjects']:20.2f}")
    print(f"{len(dirs)} clips, tokens of latent frames 1 on (frame 0 has no earlier one)")


if __name__ == "__main__":
    main()
