"""PyTorch peer for bench/tokenizer.bench.ts: the same tokenizer weights (a model.pt from
training/tokenizer/train.py) on the same input, timed encode + decode on CPU.

  /usr/bin/python3 bench/tokenizer_torch.py --model-pt <dir>/model.pt --input x.npy --threads 2

Loads the model and input, prints "ready", then for every line "run" on stdin runs one encode + decode under
torch.no_grad() and prints the seconds it took; "output <path>" saves the last decoded video as .npy (for the
bench's check that both runtimes compute the same thing). Runs on PyTorch 1.13 (Debian) and 2.x.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "training", "tokenizer"))
from model import Tokenizer  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-pt", required=True)
    p.add_argument("--input", required=True, help="float32 .npy [B, 3, T, H, W] in [-1, 1]")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    state = torch.load(a.model_pt, map_location="cpu")
    s = state["args"]
    extra = {"temporal": s["temporal"]} if "temporal" in s else {}  # recipes with the 8x temporal variant
    model = Tokenizer(s["kind"], s["spatial"], width=s["width"], blocks=s["blocks"], **extra)
    model.load_state_dict(state["model"])
    if "fp32_weights" in s and not s["fp32_weights"]:
        # The export stores FP16 weights (recipes that have --fp32-weights): compute with exactly those.
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())
    model.eval()
    x = torch.from_numpy(np.load(a.input))
    y = None
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            start = time.perf_counter()
            with torch.no_grad():
                y = model.decode(model.encode(x))
            print(f"{time.perf_counter() - start:.6f}", flush=True)
        elif command.startswith("output "):
            np.save(command[len("output "):], y.numpy())
            print("saved", flush=True)
        elif command == "quit":
            break


if __name__ == "__main__":
    main()
