"""Reconstruction losses and metrics: L1, SSIM (Gaussian window 11, sigma 1.5, as scikit-image with
gaussian_weights=True), PSNR, per frame over [-1, 1] images."""

import torch
import torch.nn.functional as F


def _frames(x):
    b, c, t, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)


def _window(device, dtype):
    g = torch.exp(-((torch.arange(11, device=device, dtype=dtype) - 5) ** 2) / (2 * 1.5**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).view(1, 1, 11, 11)


def ssim(a, b):
    """Mean SSIM of two [B, 3, T, H, W] tensors in [-1, 1] (computed on [0, 1])."""
    a, b = (_frames(a) + 1) / 2, (_frames(b) + 1) / 2
    c = a.shape[1]
    w = _window(a.device, a.dtype).repeat(c, 1, 1, 1)
    blur = lambda z: F.conv2d(z, w, groups=c)
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.mean()


def psnr(a, b):
    """Mean over frames of PSNR in dB, images in [-1, 1] taken as [0, 1]."""
    fa, fb = (_frames(a) + 1) / 2, (_frames(b) + 1) / 2
    mse = ((fa.clamp(0, 1) - fb.clamp(0, 1)) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return (10 * torch.log10(1 / mse)).mean()


def weighted_l1(y, x, weight):
    """L1 of [B, 3, T, H, W] images with each pixel weighed by `weight` [B, 1, T, H, W], normalized by the weights'
    sum (so all ones is the plain mean)."""
    return ((y - x).abs() * weight).sum() / weight.expand_as(y).sum()


def reconstruction_loss(y, x, weight=None):
    """L1 + 0.5 (1 - SSIM); `weight` (see weighted_l1) weighs the L1 per pixel, SSIM stays unweighted."""
    l1 = F.l1_loss(y, x) if weight is None else weighted_l1(y, x, weight)
    return l1 + 0.5 * (1 - ssim(y, x))
