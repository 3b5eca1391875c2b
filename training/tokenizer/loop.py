"""Pieces both training recipes (tokenizer, world model) use: a warm-up then cosine schedule that follows the
clock when a time budget is set, and a training step that falls back to eager mode when torch.compile fails."""

import contextlib
import math
import time

import torch


def clock_cosine(opt, steps, minutes, warmup):
    """Linear warm-up over `warmup` steps, then cosine to zero at `steps` or, with a budget of `minutes`, at
    whichever comes first: the schedule follows the clock, so a timed run still ends at a low rate."""
    budget = minutes * 60 if minutes else None
    started = time.time()

    def progress(s):
        done = s / steps
        if budget:
            done = max(done, (time.time() - started) / budget)
        return min(1.0, done)

    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * progress(s)))
    )


class TrainStep:
    """Runs `work(model)` under BF16 autocast on a GPU (FP32 master weights; plain FP32 on CPU), through
    torch.compile when asked and available; a compile failure is said once and training goes on eagerly."""

    def __init__(self, model, compile=False, device="cpu"):
        self.model = model
        self.run = torch.compile(model) if compile and hasattr(torch, "compile") else model
        self.device = device

    def __call__(self, work):
        with torch.autocast("cuda", dtype=torch.bfloat16) if self.device == "cuda" else contextlib.nullcontext():
            try:
                return work(self.run)
            except Exception as error:
                if self.run is self.model:
                    raise
                print(f"torch.compile failed ({type(error).__name__}: {error}); training eagerly", flush=True)
                self.run = self.model
                return work(self.model)
