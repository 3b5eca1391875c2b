#!/usr/bin/python3
"""Golden values for src/eval/geometry from OpenCV: the 8-point fundamental matrix and Sampson distances
on clean correspondences, and RANSAC's inlier set on noisy correspondences with outliers, for a synthetic
two-view scene with known camera motion.

Run with Debian's Python: /usr/bin/python3 scripts/golden/eval_geometry.py
Needs: apt-get install python3-opencv. Writes test/golden/eval-geometry.json.
"""
import json
import os

import cv2
import numpy as np


def rotation(axis, degrees):
    axis = np.asarray(axis, dtype=np.float64)
    axis /= np.linalg.norm(axis)
    r, _ = cv2.Rodrigues(axis * np.deg2rad(degrees))
    return r


def main():
    rng = np.random.default_rng(7)
    width, height = 960, 540
    k = np.array([[800.0, 0, 480.0], [0, 800.0, 270.0], [0, 0, 1]])
    r = rotation([0.2, 1.0, 0.1], 6.0)
    t = np.array([0.4, 0.05, 0.03])  # X2 = R X1 + t
    n = 300
    # Points spread over depth 4-12 in front of camera 1 and visible in both views.
    pts = []
    while len(pts) < n:
        x = np.array([rng.uniform(-4, 4), rng.uniform(-2.5, 2.5), rng.uniform(4, 12)])
        a = k @ x
        b = k @ (r @ x + t)
        a, b = a[:2] / a[2], b[:2] / b[2]
        if 0 <= a[0] < width and 0 <= a[1] < height and 0 <= b[0] < width and 0 <= b[1] < height:
            pts.append((a, b))
    x1 = np.array([p[0] for p in pts])
    x2 = np.array([p[1] for p in pts])
    noisy1 = x1 + rng.normal(0, 0.3, x1.shape)
    noisy2 = x2 + rng.normal(0, 0.3, x2.shape)
    outlier = rng.random(n) < 0.25
    noisy2[outlier] = np.column_stack([rng.uniform(0, width, outlier.sum()), rng.uniform(0, height, outlier.sum())])

    clean = ~outlier
    f8, _ = cv2.findFundamentalMat(noisy1[clean], noisy2[clean], cv2.FM_8POINT)
    h1 = np.column_stack([noisy1, np.ones(n)])
    h2 = np.column_stack([noisy2, np.ones(n)])
    sampson = [float(cv2.sampsonDistance(h1[i].reshape(3, 1), h2[i].reshape(3, 1), f8)) for i in range(n)]

    fr, mask = cv2.findFundamentalMat(noisy1, noisy2, cv2.FM_RANSAC, 1.0, 0.999)
    # USAC_ACCURATE refines its model on the inliers (local optimization and a final least-squares polish),
    # as src/eval's RANSAC does, so its inlier set is the one to compare against.
    fu, umask = cv2.findFundamentalMat(noisy1, noisy2, cv2.USAC_ACCURATE, 1.0, 0.999)
    out = {
        'generator': 'scripts/golden/eval_geometry.py',
        'reference': f'OpenCV {cv2.__version__}: findFundamentalMat (FM_8POINT; FM_RANSAC and USAC_ACCURATE, threshold 1 px, confidence 0.999), sampsonDistance',
        'width': width,
        'height': height,
        'intrinsics': {'fx': 800.0, 'fy': 800.0, 'cx': 480.0, 'cy': 270.0},
        'rotation': r.flatten().tolist(),
        'translation': t.tolist(),
        'x1': noisy1.flatten().tolist(),
        'x2': noisy2.flatten().tolist(),
        'trueInlier': [int(v) for v in clean],
        'f8pointOnTrueInliers': f8.flatten().tolist(),
        'sampsonToF8': sampson,
        'ransacF': fr.flatten().tolist(),
        'ransacInlier': [int(v) for v in mask.ravel()],
        'usacF': fu.flatten().tolist(),
        'usacInlier': [int(v) for v in umask.ravel()],
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'eval-geometry.json')
    with open(path, 'w') as f:
        json.dump(out, f)
        f.write('\n')
    print(f'wrote {os.path.normpath(path)}: {n} correspondences, {int(outlier.sum())} outliers, OpenCV FM_RANSAC kept {int(mask.sum())}, USAC_ACCURATE {int(umask.sum())}')


if __name__ == '__main__':
    main()
