"""Causal video tokenizer: 3D Haar wavelet patchify, factorized causal 3D convolutions, causal attention at the
lowest resolution, a continuous (16-channel) or discrete (FSQ) bottleneck, and a mirrored decoder.

The first frame is encoded alone (it is repeated time_factor - 1 times in front before the temporal
patchify), so T = 1 + 4k frames give 1 + k latent frames, and one model handles images (T = 1) and video.
The 8x temporal variant halves time once more, causally, so T = 1 + 8k frames give 1 + k.
Written for PyTorch 1.13 (Debian) and 2.x alike: attention is spelled out, no 2.x-only calls.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

HAAR_LEVELS = 2  # 4x in t, h and w
TIME_FACTOR = 2**HAAR_LEVELS


def haar_split(x, dim):
    """One orthonormal Haar step along `dim` (even length): low and high bands, concatenated on channels."""
    a = x.narrow(dim, 0, x.shape[dim] // 2 * 2)
    shape = list(a.shape)
    shape[dim : dim + 1] = [shape[dim] // 2, 2]
    pairs = a.reshape(shape)
    even = pairs.select(dim + 1, 0)
    odd = pairs.select(dim + 1, 1)
    s = 1 / math.sqrt(2)
    return torch.cat([(even + odd) * s, (even - odd) * s], dim=1)


def haar_merge(x, dim):
    """Inverse of haar_split along `dim`: channels halve, `dim` doubles."""
    c = x.shape[1] // 2
    low, high = x[:, :c], x[:, c:]
    s = 1 / math.sqrt(2)
    even, odd = (low + high) * s, (low - high) * s
    stacked = torch.stack([even, odd], dim=dim + 1)
    shape = list(low.shape)
    shape[dim] = shape[dim] * 2
    return stacked.reshape(shape)


def patchify(x):
    """[B, 3, T, H, W] (T = 1 + 4k, H and W multiples of 4) -> [B, 3 * 64, 1 + k, H / 4, W / 4]."""
    first = x[:, :, :1].repeat(1, 1, TIME_FACTOR - 1, 1, 1)
    x = torch.cat([first, x], dim=2)
    for _ in range(HAAR_LEVELS):
        for dim in (2, 3, 4):
            x = haar_split(x, dim)
    return x


def unpatchify(x):
    for _ in range(HAAR_LEVELS):
        for dim in (4, 3, 2):
            x = haar_merge(x, dim)
    return x[:, :, TIME_FACTOR - 1 :]


class ChannelNorm(nn.Module):
    """LayerNorm over channels at each position: no statistics cross time, so it stays causal."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)


def swish(x):
    return x * torch.sigmoid(x)


class CausalConv3d(nn.Module):
    """Factorized 3D convolution: spatial 1xkxk, then temporal kx1x1 padded on the left only."""

    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.spatial = nn.Conv3d(cin, cout, (1, k, k), padding=(0, k // 2, k // 2))
        self.temporal = nn.Conv3d(cout, cout, (k, 1, 1))
        self.k = k

    def forward(self, x):
        x = self.spatial(x)
        x = F.pad(x, (0, 0, 0, 0, self.k - 1, 0), mode="replicate")
        return self.temporal(x)


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1 = ChannelNorm(cin)
        self.c1 = CausalConv3d(cin, cout)
        self.n2 = ChannelNorm(cout)
        self.c2 = CausalConv3d(cout, cout)
        self.skip = nn.Conv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.c1(swish(self.n1(x)))
        h = self.c2(swish(self.n2(h)))
        return self.skip(x) + h


class CausalAttention(nn.Module):
    """Spatial attention within each frame, then temporal attention over earlier frames only."""

    def __init__(self, channels):
        super().__init__()
        self.norm_s = ChannelNorm(channels)
        self.qkv_s = nn.Conv3d(channels, 3 * channels, 1)
        self.out_s = nn.Conv3d(channels, channels, 1)
        self.norm_t = ChannelNorm(channels)
        self.qkv_t = nn.Conv3d(channels, 3 * channels, 1)
        self.out_t = nn.Conv3d(channels, channels, 1)

    @staticmethod
    def attend(q, k, v, mask=None):
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        return torch.matmul(torch.softmax(scores, dim=-1), v)

    def forward(self, x):
        b, c, t, h, w = x.shape
        q, k, v = self.qkv_s(self.norm_s(x)).chunk(3, dim=1)
        # [B, C, T, H, W] -> [B * T, H * W, C]
        flat = lambda z: z.permute(0, 2, 3, 4, 1).reshape(b * t, h * w, c)
        y = self.attend(flat(q), flat(k), flat(v))
        x = x + self.out_s(y.reshape(b, t, h, w, c).permute(0, 4, 1, 2, 3))
        q, k, v = self.qkv_t(self.norm_t(x)).chunk(3, dim=1)
        # [B, C, T, H, W] -> [B * H * W, T, C]
        flat = lambda z: z.permute(0, 3, 4, 2, 1).reshape(b * h * w, t, c)
        steps = torch.arange(t, device=x.device)
        future = steps[None, :] > steps[:, None]
        y = self.attend(flat(q), flat(k), flat(v), future)
        return x + self.out_t(y.reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2))


class Downsample(nn.Module):
    """Spatial /2 (strided 1x3x3 convolution); time is untouched, so causality holds."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, (1, 3, 3), padding=(0, 1, 1))

    def forward(self, x):
        b, c, t, h, w = x.shape
        x = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = x.reshape(b, t, c, 2 * h, 2 * w).permute(0, 2, 1, 3, 4)
        return self.conv(x)


class TemporalDownsample(nn.Module):
    """Time /2, causally: the first frame is repeated once in front (as patchify does), then each pair of
    frames becomes one (a 2x1x1 convolution with stride 2), so 1 + 2m frames give 1 + m and the first stays
    alone."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, (2, 1, 1), stride=(2, 1, 1))
        with torch.no_grad():  # start as the mean of each pair
            self.conv.weight.zero_()
            self.conv.bias.zero_()
            for c in range(channels):
                self.conv.weight[c, c, :, 0, 0] = 0.5

    def forward(self, x):
        return self.conv(torch.cat([x[:, :, :1], x], dim=2))


class TemporalUpsample(nn.Module):
    """Time x2, the mirror of TemporalDownsample: each frame becomes two (a 1x1x1 convolution to twice the
    channels, interleaved in time), and the first output frame, the repeated one, is dropped."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv3d(channels, 2 * channels, 1)
        with torch.no_grad():  # start by repeating each frame
            self.conv.weight.zero_()
            self.conv.bias.zero_()
            for c in range(channels):
                self.conv.weight[c, c] = 1
                self.conv.weight[channels + c, c] = 1

    def forward(self, x):
        b, c, t, h, w = x.shape
        y = self.conv(x).reshape(b, 2, c, t, h, w).permute(0, 2, 3, 1, 4, 5).reshape(b, c, 2 * t, h, w)
        return y[:, :, 1:]


class FSQ(nn.Module):
    """Finite scalar quantization: each latent channel bounded and rounded to `levels[i]` values."""

    def __init__(self, levels):
        super().__init__()
        self.register_buffer("levels", torch.tensor(levels, dtype=torch.float32), persistent=False)
        basis = [1]
        for n in levels[:-1]:
            basis.append(basis[-1] * n)
        self.register_buffer("basis", torch.tensor(basis, dtype=torch.float32), persistent=False)
        self.codebook_size = int(math.prod(levels))

    def _shape(self, z):
        return self.levels.view(1, -1, 1, 1, 1), self.basis.view(1, -1, 1, 1, 1)

    def forward(self, z):
        levels, _ = self._shape(z)
        half = (levels - 1) / 2
        offset = torch.where(levels % 2 == 0, torch.full_like(levels, 0.5), torch.zeros_like(levels))
        bounded = torch.tanh(z) * (half + 0.5 - 1e-3) - offset
        rounded = bounded + (torch.round(bounded) - bounded).detach()  # straight-through
        return (rounded + offset) / half  # in [-1, 1]

    def to_indices(self, q):
        levels, basis = self._shape(q)
        half = (levels - 1) / 2
        digits = torch.round(q * half + half)
        return (digits * basis).sum(dim=1).to(torch.int64)

    def from_indices(self, indices):
        levels, basis = self._shape(indices)
        digits = torch.remainder(torch.div(indices.unsqueeze(1).float(), basis, rounding_mode="floor"), levels)
        half = (levels - 1) / 2
        return (digits - half) / half


class Tokenizer(nn.Module):
    """kind: "continuous" (16 latent channels) or "discrete" (FSQ [8,8,8,5,5,5]); spatial: 8 or 16; temporal: 4
    (the Haar levels alone) or 8 (one more causal halving of time at the lowest resolution)."""

    def __init__(self, kind="continuous", spatial=8, width=64, blocks=2, latent_channels=16, levels=(8, 8, 8, 5, 5, 5), temporal=4):
        super().__init__()
        self.kind = kind
        self.spatial = spatial
        self.temporal = temporal
        downs = int(math.log2(spatial // 4))
        widths = [width * m for m in (1, 2, 2, 4)[: downs + 1]]
        zc = latent_channels if kind == "continuous" else len(levels)
        enc = [nn.Conv3d(3 * 64, widths[0], 1)]
        for i, wi in enumerate(widths):
            cin = widths[i - 1] if i else widths[0]
            for j in range(blocks):
                enc.append(ResBlock(cin if j == 0 else wi, wi))
            if i < downs:
                enc.append(Downsample(wi))
        enc += [CausalAttention(widths[-1]), ResBlock(widths[-1], widths[-1]), ChannelNorm(widths[-1])]
        self.encoder = nn.Sequential(*enc)
        self.to_latent = nn.Conv3d(widths[-1], zc, 1)
        dec = [nn.Conv3d(zc, widths[-1], 1), ResBlock(widths[-1], widths[-1]), CausalAttention(widths[-1])]
        for i in reversed(range(len(widths))):
            for j in range(blocks):
                dec.append(ResBlock(widths[min(i + 1, len(widths) - 1)] if j == 0 else widths[i], widths[i]))
            if i > 0:
                dec.append(Upsample(widths[i]))
        dec += [ChannelNorm(widths[0])]
        self.decoder = nn.Sequential(*dec)
        self.to_pixels = nn.Conv3d(widths[0], 3 * 64, 1)
        self.fsq = FSQ(list(levels)) if kind == "discrete" else None
        # The 8x temporal variant halves time once more right before the bottleneck and doubles it right after
        # (kept out of the Sequentials, so a 4x model's weights load into it by name).
        self.time_down = TemporalDownsample(widths[-1]) if temporal == 8 else None
        self.time_up = TemporalUpsample(widths[-1]) if temporal == 8 else None

    @classmethod
    def from_state(cls, state):
        """The model a saved {"model", "args"} state describes (train.py's model.pt, gpu-init/<space>.pt), its
        weights loaded as FP32; states from before the 8x temporal variant lack `temporal` and are 4x."""
        s = state["args"]
        model = cls(s["kind"], s["spatial"], width=s["width"], blocks=s["blocks"], temporal=s.get("temporal", 4))
        model.load_state_dict({k: v.float() for k, v in state["model"].items()})
        return model

    def encode(self, x):
        h = self.encoder(patchify(x))
        if self.time_down is not None:
            h = self.time_down(h)
        z = self.to_latent(h)
        return self.fsq(z) if self.fsq is not None else z

    def decode(self, z):
        if self.time_up is None:
            h = self.decoder(z)
        else:
            h = self.decoder[1:](self.time_up(self.decoder[0](z)))
        return unpatchify(self.to_pixels(swish(h)))

    def forward(self, x):
        return self.decode(self.encode(x))
