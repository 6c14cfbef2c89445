"""Array operations shared by several corruptions (filters, zoom, motion, plasma)."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


def gaussian_filter(x: np.ndarray, sigma: float, mode: str = "nearest",
                    truncate: float = 4.0) -> np.ndarray:
    """Spatial Gaussian blur of `(batch, height, width[, channels])` (skimage defaults)."""
    sigmas = (0, sigma, sigma) + (0,) * (x.ndim - 3)
    return ndimage.gaussian_filter(x, sigma=sigmas, mode=mode, truncate=truncate)


def linear_zoom_matrix(size: int, factor: float) -> np.ndarray:
    """`(round(size * factor), size)` weights of `scipy.ndimage.zoom(order=1)` along one axis.

    scipy maps output index o to input coordinate `o (size - 1) / (out - 1)`
    (corners aligned) and interpolates linearly; as a matrix, a 2-D zoom is
    `R_rows @ image @ R_cols.T`, much faster than `ndimage.zoom` on a batch.
    """
    out = int(round(size * factor))
    coords = np.arange(out) * ((size - 1) / (out - 1) if out > 1 else 0.0)
    low = np.clip(np.floor(coords).astype(np.int64), 0, size - 1)
    high = np.minimum(low + 1, size - 1)
    frac = coords - low
    matrix = np.zeros((out, size))
    np.add.at(matrix, (np.arange(out), low), 1.0 - frac)
    np.add.at(matrix, (np.arange(out), high), frac)
    return matrix


def clipped_zoom(x: np.ndarray, factor: float) -> np.ndarray:
    """Zoom into the centre of `(batch, height, width, channels)` by `factor` >= 1.

    The reference `clipped_zoom`: the centred crop of `ceil(size / factor)`
    pixels, `scipy.ndimage.zoom(order=1)` by `factor` (here as two matrix
    products, see `linear_zoom_matrix`), then the centred original-size window.
    """
    height, width = x.shape[1:3]
    crop_h, crop_w = math.ceil(height / factor), math.ceil(width / factor)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = x[:, top:top + crop_h, left:left + crop_w]
    rows, cols = linear_zoom_matrix(crop_h, factor), linear_zoom_matrix(crop_w, factor)
    trim_h, trim_w = (len(rows) - height) // 2, (len(cols) - width) // 2
    rows, cols = rows[trim_h:trim_h + height], cols[trim_w:trim_w + width]
    return np.einsum("oh,bhwc,pw->bopc", rows, crop, cols, optimize=True)


def motion_kernel(radius: float, sigma: float) -> np.ndarray:
    """ImageMagick's motion-blur weights: a one-sided Gaussian of `2 ceil(radius) + 1` taps."""
    width = 2 * math.ceil(radius) + 1
    weights = np.exp(-np.arange(width) ** 2 / (2.0 * sigma ** 2))
    return weights / weights.sum()


def motion_blur(image: np.ndarray, radius: float, sigma: float, angle: float) -> np.ndarray:
    """ImageMagick `MotionBlurImage` of one `(height, width, channels)` image.

    Output pixel (y, x) = sum_i w_i * image[y + ceil(i sin a - 0.5), x + ceil(i cos a - 0.5)],
    with edge pixels repeated outside the image ("edge" virtual pixels).
    """
    weights = motion_kernel(radius, sigma)
    steps = np.arange(len(weights))
    dx = np.ceil(steps * math.cos(math.radians(angle)) - 0.5).astype(np.int64)
    dy = np.ceil(steps * math.sin(math.radians(angle)) - 0.5).astype(np.int64)
    height, width = image.shape[:2]
    rows = np.clip(np.arange(height)[None, :, None] + dy[:, None, None], 0, height - 1)
    cols = np.clip(np.arange(width)[None, None, :] + dx[:, None, None], 0, width - 1)
    return np.einsum("i,ihwc->hwc", weights, image[rows, cols])


def next_power_of_two(n: int) -> int:
    """The smallest power of two >= n (the plasma map size: 32 for 28 or 32, 256 for 224)."""
    return 1 << max(n - 1, 1).bit_length()


def plasma_fractal(size: int, wibble_decay: float, rng: np.random.Generator) -> np.ndarray:
    """Diamond-square plasma fractal of the reference fog, min-max scaled to [0, 1].

    Args:
        size: a power of two.
        wibble_decay: divisor of the noise amplitude per octave.
        rng: random generator.

    Returns:
        `(size, size)` float64.
    """
    plasma = np.zeros((size, size))
    step, wibble = size, 100.0

    def wibbled_mean(total):
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        corners = plasma[0:size:step, 0:size:step]
        square = corners + np.roll(corners, -1, axis=0)
        square = square + np.roll(square, -1, axis=1)
        plasma[half:size:step, half:size:step] = wibbled_mean(square)
        centres = plasma[half:size:step, half:size:step]
        corners = plasma[0:size:step, 0:size:step]
        plasma[0:size:step, half:size:step] = wibbled_mean(
            centres + np.roll(centres, 1, axis=0) + corners + np.roll(corners, -1, axis=1))
        plasma[half:size:step, 0:size:step] = wibbled_mean(
            centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=0))
        step //= 2
        wibble /= wibble_decay
    plasma -= plasma.min()
    return plasma / plasma.max()
