"""Blur corruptions: gaussian, glass, defocus, motion, zoom.

Each takes `x` `(batch, height, width, channels)` float64 in [0, 1], the
severity's parameter `c` and one generator per image, and returns the
corrupted batch before clipping.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from blur_keras.corruptions.image_ops import clipped_zoom, gaussian_filter, motion_blur as \
    _motion_blur
from blur_keras.corruptions.parameters import zoom_factors


def gaussian_blur(x, c, rngs):
    """Gaussian blur with sigma c (mode nearest, truncated at 4 sigma; skimage)."""
    del rngs
    return gaussian_filter(x, c)


def glass_blur(x, c, rngs):
    """Blur, then locally shuffle pixels, then blur again (the reference loop).

    `(sigma, max_delta, iterations)`: the blurred image is floored to 8 bits,
    then `iterations` times, for rows and columns from the far edge inwards,
    each pixel is overwritten by a neighbour at offset `randint(-d, d)` (upper
    bound excluded) per axis; a second blur follows. The reference's "swap" is
    a copy on NumPy arrays, and so is ours. Vectorised over the batch.
    """
    sigma, delta, iterations = c
    blurred = np.floor(np.clip(gaussian_filter(x, sigma), 0, 1) * 255) / 255
    height, width = x.shape[1:3]
    rows = np.arange(height - delta, delta, -1)
    cols = np.arange(width - delta, delta, -1)
    offsets = np.stack([rng.integers(-delta, delta, size=(iterations, len(rows), len(cols), 2))
                        for rng in rngs])
    batch = np.arange(len(x))
    for it in range(iterations):
        for i, h in enumerate(rows):
            for j, w in enumerate(cols):
                dx, dy = offsets[:, it, i, j, 0], offsets[:, it, i, j, 1]
                blurred[:, h, w] = blurred[batch, h + dy, w + dx]
    return gaussian_filter(blurred, sigma)


def disk_kernel(radius: float, alias_blur: float) -> np.ndarray:
    """The reference defocus kernel: a normalised binary disk, then a Gaussian.

    The disk `X^2 + Y^2 <= radius^2` lies on a 17x17 grid (radius <= 8, 3x3
    Gaussian) or a `(2 radius + 1)` grid (5x5 Gaussian), like OpenCV's
    `GaussianBlur(ksize, sigma=alias_blur)` with reflect-101 borders.
    """
    half, ksize = (8, 3) if radius <= 8 else (int(radius), 5)
    grid = np.arange(-half, half + 1)
    disk = (grid[:, None] ** 2 + grid[None, :] ** 2 <= radius ** 2).astype(np.float64)
    disk /= disk.sum()
    taps = np.arange(ksize) - (ksize - 1) / 2
    gauss = np.exp(-taps ** 2 / (2 * alias_blur ** 2))
    gauss /= gauss.sum()
    return ndimage.correlate(disk, np.outer(gauss, gauss), mode="mirror")


def defocus_blur(x, c, rngs):
    """Per-channel filtering with `disk_kernel(*c)`, reflect-101 borders (cv2.filter2D)."""
    del rngs
    kernel = disk_kernel(*c)
    return ndimage.correlate(x, kernel[None, :, :, None], mode="mirror")


def motion_blur(x, c, rngs):
    """ImageMagick motion blur `(radius, sigma)` at an angle drawn from U(-45, 45) degrees.

    A port of `MotionBlurImage` (see `image_ops.motion_blur`); the reference
    also rounds through an 8-bit PNG, which we skip.
    """
    radius, sigma = c
    return np.stack([_motion_blur(image, radius, sigma, rng.uniform(-45, 45))
                     for image, rng in zip(x, rngs)])


def zoom_blur(x, c, rngs):
    """Mean of the image and its centre zooms by each factor (1.00 included)."""
    del rngs
    factors = zoom_factors(*c)
    total = x.copy()
    for factor in factors:
        total += clipped_zoom(x, factor)
    return total / (len(factors) + 1)
