"""How much speculative decoding with a copy draft could save a world model, before building it.

The draft for each visual token is the token at the same place one latent frame earlier (free: no model).
Speculative sampling verifies k drafted tokens in one step: with a draft that is one token for sure, token j
is accepted with the model's probability of it (under the sampling temperature), and the first rejection is
replaced by a sample from the model without the drafted token, which keeps the futures' distribution exact.
This script scores the drafts with the model's teacher-forced probabilities on held-out sim clips and
simulates the accept/reject walk: tokens per step for k drafts (a step costs about the same for 1 or 9
tokens here, the key/value cache being read once).

  python3 training/world/draft_acceptance.py --model models/world-dv4x8x8/step.onnx \\
      --tokenizer gpu-init/dv4x8x8.pt --sim <held-out npy folder> [--clips 160] [--temperature 0.7]
"""

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(HERE, "..", "tokenizer"))
import train  # noqa: E402
from world_model import BASIS, LEVELS  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="a world model's step.onnx (beside its manifest.json)")
    p.add_argument("--tokenizer", required=True, help="its tokenizer's model.pt (training/tokenizer/onnx_weights.py)")
    p.add_argument("--sim", required=True, help="folder of held-out orbis sim npy samples")
    p.add_argument("--clips", type=int, default=160)
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(a.seed)
    state, _ = train.state_of_export(a.model)
    model = train.build(state["margs"]).eval()
    model.load_state_dict({k: v.float() for k, v in state["model"].items()})
    tok = train.load_tokenizer(a.tokenizer, "cpu")
    seqs, acts = train.tokenize_folder(a.sim, tok, state["margs"], "cpu", limit=a.clips)[:2]
    P, (L, H, W) = model.prompt_length, model.grid
    F = H * W
    accept = []
    with torch.no_grad():
        for i in range(0, seqs.shape[0], 16):
            x, act = seqs[i : i + 16], acts[i : i + 16]
            logits, _ = model(x, 0, act, model.empty_cache(x.shape[0]))
            pred = logits[:, P - 1 + F : -1]  # the predictions for latent frames 1 .. L-1
            draft = x[:, P:-F]  # the same place one latent frame earlier
            digits = torch.remainder(torch.div(draft.unsqueeze(-1), torch.tensor(BASIS), rounding_mode="floor"), torch.tensor(LEVELS))
            logp, at = 0.0, 0
            for d, n in enumerate(LEVELS):
                logp = logp + torch.log_softmax(pred[..., at : at + n] / a.temperature, -1).gather(-1, digits[..., d : d + 1]).squeeze(-1)
                at += n
            accept.append(logp.exp())
    accept = torch.cat(accept).numpy()
    print(f"{accept.shape[0]} clips, {accept.shape[1]} generated tokens each, temperature {a.temperature}: "
          f"mean probability of the copy draft {accept.mean():.3f}")
    for k in (1, 2, 4, 8):
        steps = 0
        for row in accept:
            i = 0
            while i < len(row):
                j = 0
                while j < k and i + j < len(row) and rng.random() < row[i + j]:
                    j += 1
                i += j + 1  # the accepted drafts and one sampled token (the correction, or the next one)
                steps += 1
        print(f"k={k}: {accept.size / steps:.2f} tokens per step ({steps / accept.shape[0]:.0f} steps a future "
              f"instead of {accept.shape[1]})")


if __name__ == "__main__":
    main()
