"""Training clips without ffmpeg: procedural moving textures made on the fly (torch, on the training device),
and, when a folder is given, `orbis sim` clips in its raw `.npy` form (uint8 [T, H, W, 3] per clip).
Values are in [-1, 1], shape [B, 3, T, H, W]."""

import glob
import math
import os

import numpy as np
import torch


def _grid(size, device):
    y, x = torch.meshgrid(torch.linspace(0, 1, size, device=device), torch.linspace(0, 1, size, device=device), indexing="ij")
    return x, y


def procedural_batch(batch, frames, size, g, device="cpu"):
    """Each clip layers 2-4 of: a moving grating, a moving checkerboard, a colour gradient, moving soft blobs,
    moving rectangles; random colours, speeds, frequencies and directions from the generator `g`."""
    x, y = _grid(size, device)
    t = torch.arange(frames, device=device, dtype=torch.float32).view(frames, 1, 1)
    out = torch.zeros(batch, 3, frames, size, size, device=device)
    rnd = lambda *shape: torch.rand(*shape, generator=g).to(device)
    for b in range(batch):
        canvas = rnd(3, 1, 1, 1) * torch.ones(3, frames, size, size, device=device)
        for _ in range(int(torch.randint(2, 5, (1,), generator=g))):
            kind = int(torch.randint(0, 5, (1,), generator=g))
            angle = float(rnd(1)) * 2 * math.pi
            speed = (float(rnd(1)) - 0.5) * 0.08
            dx, dy = math.cos(angle), math.sin(angle)
            u = x * dx + y * dy - speed * t  # coordinate moving along the direction
            colour = rnd(3, 1, 1, 1)
            if kind == 0:
                freq = 2 + float(rnd(1)) * 14
                layer = 0.5 + 0.5 * torch.sin(2 * math.pi * freq * u)
            elif kind == 1:
                cells = 2 + int(torch.randint(0, 10, (1,), generator=g))
                v = x * -dy + y * dx
                layer = ((torch.floor(u * cells) + torch.floor(v * cells)) % 2).float()
            elif kind == 2:
                layer = (u - u.min()) / (u.max() - u.min() + 1e-6)
            elif kind == 3:
                cx, cy, r = float(rnd(1)), float(rnd(1)), 0.05 + 0.2 * float(rnd(1))
                px = cx + speed * t * dx * 3
                py = cy + speed * t * dy * 3
                layer = torch.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * r * r))
            else:
                w, h = 0.1 + 0.4 * float(rnd(1)), 0.1 + 0.4 * float(rnd(1))
                px = float(rnd(1)) + speed * t * dx * 3
                py = float(rnd(1)) + speed * t * dy * 3
                layer = ((x > px) & (x < px + w) & (y > py) & (y < py + h)).float()
            alpha = 0.3 + 0.7 * float(rnd(1))
            canvas = canvas * (1 - alpha * layer) + colour * alpha * layer
        out[b] = canvas
    return out.clamp(0, 1) * 2 - 1


class SimClips:
    """Random crops of `orbis sim` clips stored as uint8 .npy arrays [T, H, W, 3]."""

    def __init__(self, folder):
        self.files = sorted(glob.glob(os.path.join(folder, "**", "*.npy"), recursive=True))

    def __len__(self):
        return len(self.files)

    def batch(self, batch, frames, size, g, device="cpu"):
        clips = []
        for _ in range(batch):
            arr = np.load(self.files[int(torch.randint(0, len(self.files), (1,), generator=g))], mmap_mode="r")
            if arr.ndim != 4 or arr.shape[-1] != 3:
                continue
            t0 = int(torch.randint(0, max(1, arr.shape[0] - frames + 1), (1,), generator=g))
            y0 = int(torch.randint(0, max(1, arr.shape[1] - size + 1), (1,), generator=g))
            x0 = int(torch.randint(0, max(1, arr.shape[2] - size + 1), (1,), generator=g))
            clip = np.asarray(arr[t0 : t0 + frames, y0 : y0 + size, x0 : x0 + size])
            if clip.shape[:3] != (frames, size, size):
                continue
            clips.append(torch.from_numpy(clip.copy()))
        if not clips:
            return None
        x = torch.stack(clips).to(device).permute(0, 4, 1, 2, 3).float() / 127.5 - 1
        return x
