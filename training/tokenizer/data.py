"""Training clips without ffmpeg: procedural moving textures made on the fly (torch, on the training device,
the whole batch at once), and, when a folder is given, `orbis sim` clips in their raw `.npy` form (`rgb.npy`,
uint8 [T, H, W, 3] per sample), held on the device and cropped there.
Values are in [-1, 1], shape [B, 3, T, H, W]."""

import glob
import math
import os

import numpy as np
import torch

KINDS = 5  # grating, checkerboard, gradient, soft blob, rectangle


def procedural_batch(batch, frames, size, g, device="cpu"):
    """Each clip layers 2-4 of: a moving grating, a moving checkerboard, a colour gradient, moving soft blobs,
    moving rectangles; random colours, speeds, frequencies and directions from the generator `g`. Every random
    number is drawn on the CPU from `g` (so a seed gives the same clips on any device), then the batch is
    rendered in a few tensor operations."""
    rnd = lambda *shape: torch.rand(*shape, generator=g).to(device)
    B = batch
    ax = torch.linspace(0, 1, size, device=device)
    x = ax.view(1, 1, 1, size)  # [B, T, H, W] broadcast
    y = ax.view(1, 1, size, 1)
    t = torch.arange(frames, device=device, dtype=torch.float32).view(1, frames, 1, 1)
    col = lambda v: v.view(B, 1, 1, 1)
    canvas = rnd(B, 3).view(B, 3, 1, 1, 1).expand(B, 3, frames, size, size).clone()
    layers = torch.randint(2, 5, (B,), generator=g).to(device)
    for layer_index in range(4):
        kind = torch.randint(0, KINDS, (B,), generator=g).to(device)
        angle = rnd(B) * 2 * math.pi
        speed = (rnd(B) - 0.5) * 0.08
        dx, dy = col(torch.cos(angle)), col(torch.sin(angle))
        sp = col(speed)
        u = x * dx + y * dy - sp * t
        v = x * -dy + y * dx
        freq = col(2 + rnd(B) * 14)
        cells = col(2 + torch.randint(0, 10, (B,), generator=g).to(device).float())
        cx, cy, r = col(rnd(B)), col(rnd(B)), col(0.05 + 0.2 * rnd(B))
        w, h = col(0.1 + 0.4 * rnd(B)), col(0.1 + 0.4 * rnd(B))
        px, py = col(rnd(B)) + sp * t * dx * 3, col(rnd(B)) + sp * t * dy * 3
        colour = rnd(B, 3).view(B, 3, 1, 1, 1)
        alpha = (0.3 + 0.7 * rnd(B)) * (layer_index < layers).float()
        umin = u.amin(dim=(1, 2, 3), keepdim=True)
        umax = u.amax(dim=(1, 2, 3), keepdim=True)
        options = torch.stack(
            [
                (0.5 + 0.5 * torch.sin(2 * math.pi * freq * u)).expand(B, frames, size, size),
                ((torch.floor(u * cells) + torch.floor(v * cells)) % 2).expand(B, frames, size, size),
                ((u - umin) / (umax - umin + 1e-6)).expand(B, frames, size, size),
                torch.exp(-((x - cx - sp * t * dx * 3) ** 2 + (y - cy - sp * t * dy * 3) ** 2) / (2 * r * r)).expand(B, frames, size, size),
                ((x > px) & (x < px + w) & (y > py) & (y < py + h)).float().expand(B, frames, size, size),
            ],
            dim=1,
        )  # [B, KINDS, T, H, W]
        layer = options.gather(1, kind.view(B, 1, 1, 1, 1).expand(B, 1, frames, size, size))  # [B, 1, T, H, W]
        a = alpha.view(B, 1, 1, 1, 1) * layer
        canvas = canvas * (1 - a) + colour * a
    return canvas.clamp(0, 1) * 2 - 1


def sim_files(folder):
    """The RGB arrays of an `orbis sim generate --format npy` folder, in a stable order."""
    return sorted(glob.glob(os.path.join(folder, "**", "rgb.npy"), recursive=True))


class SimClips:
    """`orbis sim` RGB clips, all loaded once onto the device as uint8 [N, T, H, W, 3] (clips of one shape;
    others are skipped and counted), then sampled as random crops in time and space with random mirroring,
    one gather per batch."""

    def __init__(self, folder, device="cpu", limit=None):
        arrays, self.skipped = [], 0
        for path in sim_files(folder)[:limit]:
            a = np.load(path)
            if a.ndim != 4 or a.shape[-1] != 3 or (arrays and a.shape != arrays[0].shape):
                self.skipped += 1
                continue
            arrays.append(a)
        self.device = device
        self.data = torch.from_numpy(np.stack(arrays)).to(device) if arrays else None

    def __len__(self):
        return 0 if self.data is None else self.data.shape[0]

    @property
    def shape(self):
        return tuple(self.data.shape[1:4]) if self.data is not None else None

    def batch(self, batch, frames, size, g, device="cpu", flip=True):
        if self.data is None:
            return None
        n, T, H, W, _ = self.data.shape
        if frames > T or size > min(H, W):
            raise ValueError(f"sim clips of {T} frames at {W}x{H} cannot give {frames}-frame {size}x{size} crops")
        pick = lambda hi: torch.randint(0, hi, (batch,), generator=g)
        clip, t0, y0, x0 = pick(n), pick(T - frames + 1), pick(H - size + 1), pick(W - size + 1)
        ts = (t0[:, None] + torch.arange(frames)).view(batch, frames, 1, 1)
        ys = (y0[:, None] + torch.arange(size)).view(batch, 1, size, 1)
        xs = x0[:, None] + torch.arange(size)
        if flip:
            mirror = torch.rand(batch, generator=g) < 0.5
            xs = torch.where(mirror[:, None], xs.flip(1), xs)
        xs = xs.view(batch, 1, 1, size)
        dev = self.data.device
        crops = self.data[clip.view(batch, 1, 1, 1).to(dev), ts.to(dev), ys.to(dev), xs.to(dev)]  # [B, T, S, S, 3]
        return crops.to(device).permute(0, 4, 1, 2, 3).float() / 127.5 - 1

    def clips(self, count, frames, g=None):
        """Whole clips (the first `frames` frames of `count` evenly spaced samples), for evaluation."""
        if self.data is None:
            return None
        idx = torch.linspace(0, self.data.shape[0] - 1, min(count, self.data.shape[0])).round().long()
        return self.data[idx.to(self.data.device), :frames].permute(0, 4, 1, 2, 3).float() / 127.5 - 1
