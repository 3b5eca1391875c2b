"""Forward FLOPs of a tokenizer on one clip, counted from its convolutions, norms' matmul-free work aside, and
the attention's two matmuls; training costs about 3x (forward + backward). For the share of a GPU's peak:

  python3 training/tokenizer/flops.py --kind continuous --spatial 8 --width 64 --frames 9 --size 64
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import CausalAttention, Tokenizer  # noqa: E402


def forward_flops(model, x):
    total = [0]

    def conv_hook(module, inputs, output):
        k = module.weight[0].numel()  # cin/groups * kernel volume
        total[0] += 2 * output.numel() * k

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, torch.nn.Conv3d)]
    attend = CausalAttention.attend

    def counted(q, k, v, mask=None):
        total[0] += 2 * q.shape[0] * q.shape[1] * k.shape[1] * q.shape[2] * 2  # scores and weighted sum
        return attend(q, k, v, mask)

    CausalAttention.attend = staticmethod(counted)
    try:
        with torch.no_grad():
            model(x)
    finally:
        CausalAttention.attend = staticmethod(attend)
        for h in hooks:
            h.remove()
    return total[0]


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--kind", default="continuous")
    p.add_argument("--spatial", type=int, default=8)
    p.add_argument("--temporal", type=int, default=4)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--frames", type=int, default=9)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--samples-per-second", type=float, help="measured training rate, for the share of peak")
    p.add_argument("--peak-tflops", type=float, default=989.0, help="BF16 dense peak (H100/H200 SXM: 989)")
    a = p.parse_args()
    model = Tokenizer(a.kind, a.spatial, width=a.width, blocks=a.blocks, temporal=a.temporal).eval()
    f = forward_flops(model, torch.zeros(1, 3, a.frames, a.size, a.size))
    line = f"forward {f / 1e9:.3f} GFLOP per clip, training about {3 * f / 1e9:.3f}"
    if a.samples_per_second:
        achieved = 3 * f * a.samples_per_second / 1e12
        line += f"; at {a.samples_per_second:g} clips/s: {achieved:.2f} TFLOP/s, {100 * achieved / a.peak_tflops:.2f}% of {a.peak_tflops:g}"
    print(line)
