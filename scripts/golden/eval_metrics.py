#!/usr/bin/python3
"""Golden values for src/eval: PSNR and SSIM from scikit-image, MS-SSIM from an independent NumPy/SciPy
implementation of Wang, Simoncelli & Bovik (2003), written here from the paper, and bicubic resizing (the
preprocessing of learned metrics) from Pillow.

Run with Debian's Python (it has the packages): /usr/bin/python3 scripts/golden/eval_metrics.py
Needs: apt-get install python3-skimage. Writes test/golden/eval-metrics.json.
The test images come from make_image(), an integer-only generator that src/eval/golden.test.ts repeats
exactly, so no image files are committed.
"""
import json
import os

import numpy as np
import scipy
import PIL
import skimage
from PIL import Image
from scipy.ndimage import correlate1d
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def make_image(width, height, channels, seed, noise):
    """Stripes, a checkerboard and a product term, plus LCG noise in [-noise, noise]; uint8, HxWxC."""
    out = np.zeros((height, width, channels), dtype=np.uint8)
    state = seed & 0x7FFFFFFF
    for y in range(height):
        for x in range(width):
            for c in range(channels):
                base = (x * 3 + y * 5 + c * 40 + (((x >> 3) + (y >> 3)) & 1) * 60 + ((x * y) >> 6)) % 256
                state = (state * 1103515245 + 12345) % (1 << 31)
                n = ((state >> 16) % (2 * noise + 1)) - noise if noise > 0 else 0
                out[y, x, c] = min(255, max(0, base + n))
    return out


def squeeze(img):
    return img[:, :, 0] if img.shape[2] == 1 else img


def ms_ssim_reference(pred, target, data_range, weights=(0.0448, 0.2856, 0.3001, 0.2363, 0.1333), sigma=1.5):
    """MS-SSIM per channel, averaged. Valid-region Gaussian filtering (11 taps), population covariance,
    2x2 average pooling between scales (odd trailing row/column dropped), negatives clamped to 0."""
    radius = int(3.5 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) ** 2) / sigma**2)
    taps /= taps.sum()
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2

    def blur(a):
        a = correlate1d(correlate1d(a, taps, axis=0), taps, axis=1)
        return a[radius:-radius, radius:-radius]

    def scale_terms(x, y):
        mx, my = blur(x), blur(y)
        vx = blur(x * x) - mx * mx
        vy = blur(y * y) - my * my
        cov = blur(x * y) - mx * my
        cs = (2 * cov + c2) / (vx + vy + c2)
        lum = (2 * mx * my + c1) / (mx * mx + my * my + c1)
        return float((lum * cs).mean()), float(cs.mean())

    def halve(a):
        h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
        a = a[:h, :w]
        return (a[0::2, 0::2] + a[0::2, 1::2] + a[1::2, 0::2] + a[1::2, 1::2]) / 4

    values = []
    for c in range(target.shape[2]):
        x = pred[:, :, c].astype(np.float64)
        y = target[:, :, c].astype(np.float64)
        value = 1.0
        for s, w in enumerate(weights):
            ssim, cs = scale_terms(x, y)
            last = s == len(weights) - 1
            value *= max(0.0, ssim if last else cs) ** w
            if not last:
                x, y = halve(x), halve(y)
        values.append(value)
    return float(np.mean(values))


def main():
    cases = []
    pairs = {
        'gray': dict(width=64, height=48, channels=1),
        'rgb': dict(width=64, height=48, channels=3),
        'gray-large': dict(width=200, height=180, channels=1),
        'rgb-large': dict(width=192, height=192, channels=3),
    }
    images = {}
    for name, shape in pairs.items():
        target = make_image(seed=1, noise=3, **shape)
        pred = make_image(seed=2, noise=18, **shape)
        images[name] = (pred, target)

    def add(metric, pair, kind, options, value):
        cases.append({'metric': metric, 'pair': pair, 'kind': kind, 'options': options, 'expected': value})

    for pair in ['gray', 'rgb']:
        pred, target = images[pair]
        add('psnr', pair, 'uint8', {}, float(peak_signal_noise_ratio(target, pred)))
        add('psnr', pair, 'float', {'dataRange': 1}, float(peak_signal_noise_ratio(target / 255.0, pred / 255.0, data_range=1)))

    ssim_sets = [
        ('scikit-image defaults', {'gaussianWeights': False, 'winSize': 7, 'useSampleCovariance': True}, {}),
        ('gaussian, sample covariance', {'gaussianWeights': True, 'useSampleCovariance': True}, {'gaussian_weights': True}),
        ('Wang et al.', {'gaussianWeights': True, 'useSampleCovariance': False}, {'gaussian_weights': True, 'use_sample_covariance': False}),
        ('uniform 11, other K', {'gaussianWeights': False, 'winSize': 11, 'k1': 0.02, 'k2': 0.05, 'useSampleCovariance': True}, {'win_size': 11, 'K1': 0.02, 'K2': 0.05}),
        ('gaussian sigma 2', {'gaussianWeights': True, 'sigma': 2, 'useSampleCovariance': False}, {'gaussian_weights': True, 'sigma': 2, 'use_sample_covariance': False}),
    ]
    for pair in ['gray', 'rgb']:
        pred, target = images[pair]
        axis = {'channel_axis': -1} if target.shape[2] == 3 else {}
        for label, ours, theirs in ssim_sets:
            value = structural_similarity(squeeze(target), squeeze(pred), data_range=255, **axis, **theirs)
            add('ssim', pair, 'uint8', dict(ours, label=label), float(value))
        value = structural_similarity(squeeze(target / 255.0), squeeze(pred / 255.0), data_range=1, gaussian_weights=True, use_sample_covariance=False, **axis)
        add('ssim', pair, 'float', {'gaussianWeights': True, 'useSampleCovariance': False, 'dataRange': 1, 'label': 'float [0,1]'}, float(value))

    for pair in ['gray-large', 'rgb-large']:
        pred, target = images[pair]
        add('ms-ssim', pair, 'uint8', {}, ms_ssim_reference(pred, target, 255))
        add('ms-ssim', pair, 'float', {'dataRange': 1}, ms_ssim_reference(pred / 255.0, target / 255.0, 1))

    resizes = []
    source = make_image(64, 48, 3, seed=3, noise=40)
    for w, h in [(40, 30), (96, 72)]:
        resized = np.asarray(Image.fromarray(source).resize((w, h), Image.BICUBIC))
        resizes.append({'width': w, 'height': h, 'pixels': resized.flatten().tolist()})

    out = {
        'generator': 'scripts/golden/eval_metrics.py',
        'reference': {
            'psnr': f'scikit-image {skimage.__version__} peak_signal_noise_ratio',
            'ssim': f'scikit-image {skimage.__version__} structural_similarity',
            'ms-ssim': f'NumPy {np.__version__} / SciPy {scipy.__version__} implementation of Wang et al. 2003 in this script',
        },
        'tolerance': 1e-4,
        'resize': {'reference': f'Pillow {PIL.__version__} Image.resize(BICUBIC) on uint8', 'source': dict(width=64, height=48, channels=3, seed=3, noise=40), 'cases': resizes},
        'pairs': {name: dict(shape, target=dict(seed=1, noise=3), pred=dict(seed=2, noise=18)) for name, shape in pairs.items()},
        'cases': cases,
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'eval-metrics.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print(f'wrote {len(cases)} cases to {os.path.normpath(path)}')


if __name__ == '__main__':
    main()
