"""Which visual tokens cover the scored objects, and how many of them the CHANGED_WEIGHT weighting reaches.

Object IoU scores the sim's non-furniture bodies (src/eval/physics-eval.ts). Training weighs tokens that differ
from the token a latent frame earlier ("changed"). This tokenizes held-out clips as training does
(train.tokenize_folder, which also marks the tokens that show an object, what --object-weight weighs) and reports,
per scenario, the share of tokens on objects, the share that changed, and how the two overlap:

  python3 training/world/object_tokens.py --sim <orbis sim npy folder> --tokenizer gpu-init/dv4x8x8.pt
"""

import argparse
import os
import re
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
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    space = train.TOKEN_SPACES[a.token_space]
    margs = {"grid": space["grid"], "prompt_length": 1, "vocab_words": 1024, "action_features": train.ACTION_DIM * space["per_latent"]}
    seqs, _, names, objects = train.tokenize_folder(a.sim, train.load_tokenizer(a.tokenizer, "cpu"), margs, "cpu")
    L, H, W = space["grid"]
    tokens = seqs[:, 1:].view(-1, L, H, W).numpy()
    shown = objects.view(-1, L, H, W).numpy()[:, 1:]  # latent frames 1 on: frame 0 has no earlier one
    changed = tokens[:, 1:] != tokens[:, :-1]
    sums = {}
    for name, o, c in zip(names, shown, changed):
        s = sums.setdefault(re.match(r"(.+)-s\d+-v\d+-l\d+$", name).group(1), np.zeros(4))
        s += [o.sum(), (o & c).sum(), c.sum(), o.size]
    print(f"{'scenario':16s}{'on objects':>11s}{'changed':>9s}{'objects that changed':>22s}{'changed on objects':>20s}")
    for k, (o, oc, c, n) in sorted(sums.items()):
        print(f"{k:16s}{o / n:11.3f}{c / n:9.3f}{oc / max(o, 1):22.2f}{oc / max(c, 1):20.2f}")
    print(f"{len(names)} clips, tokens of latent frames 1 on")


if __name__ == "__main__":
    main()
