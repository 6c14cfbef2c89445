"""Spatter: water drops (severities 1-3) or mud (4-5), with OpenCV's edge steps ported to NumPy.

Takes `x` `(batch, height, width, 3)` RGB float64 in [0, 1], the severity's
parameter and one generator per image; returns the batch before clipping.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from blur_keras.corruptions.image_ops import gaussian_filter

WATER_RGB = np.array([175, 238, 238]) / 255.0  # pale turquoise
MUD_RGB = np.array([63, 42, 20]) / 255.0  # brown
EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float64)
TAN_22_5 = math.tan(math.radians(22.5))
TAN_67_5 = math.tan(math.radians(67.5))


def canny(image: np.ndarray, low: float, high: float) -> np.ndarray:
    """Boolean edges of an 8-bit image, as `cv2.Canny(image, low, high)` finds them.

    3x3 Sobel gradients (replicated borders), L1 magnitude, non-maximum
    suppression along the gradient quantised to 0/45/90/135 degrees with
    OpenCV's tie rules, and hysteresis through 8-connected weak pixels.
    """
    image = image.astype(np.float64)
    grad_x = ndimage.sobel(image, axis=1, mode="nearest")
    grad_y = ndimage.sobel(image, axis=0, mode="nearest")
    magnitude = np.pad(np.abs(grad_x) + np.abs(grad_y), 1)
    centre = magnitude[1:-1, 1:-1]

    def neighbour(d_row, d_col):
        return magnitude[1 + d_row:magnitude.shape[0] - 1 + d_row,
                         1 + d_col:magnitude.shape[1] - 1 + d_col]

    abs_x, abs_y = np.abs(grad_x), np.abs(grad_y)
    horizontal = abs_y < abs_x * TAN_22_5
    vertical = ~horizontal & (abs_y > abs_x * TAN_67_5)
    sign = np.where(grad_x * grad_y < 0, -1, 1)
    diagonal_max = np.where(
        sign > 0, (centre > neighbour(-1, -1)) & (centre > neighbour(1, 1)),
        (centre > neighbour(-1, 1)) & (centre > neighbour(1, -1)))
    local_max = np.where(horizontal, (centre > neighbour(0, -1)) & (centre >= neighbour(0, 1)),
                         np.where(vertical, (centre > neighbour(-1, 0)) & (centre >= neighbour(1, 0)),
                                  diagonal_max))
    candidates = local_max & (centre > low)
    labels, count = ndimage.label(candidates, structure=np.ones((3, 3)))
    strong = np.zeros(count + 1, dtype=bool)
    strong[np.unique(labels[candidates & (centre > high)])] = True
    strong[0] = False
    return strong[labels]


def equalize_histogram(image: np.ndarray) -> np.ndarray:
    """`cv2.equalizeHist` of an 8-bit image."""
    histogram = np.bincount(image.ravel(), minlength=256)
    first = int(np.flatnonzero(histogram)[0])
    if histogram[first] == image.size:
        return np.full_like(image, first)
    scale = 255.0 / (image.size - histogram[first])
    lut = np.clip(np.round(np.cumsum(histogram) * scale - histogram[first] * scale), 0, 255)
    lut[:first + 1] = 0
    return lut.astype(np.uint8)[image]


def _water_mask(layer: np.ndarray) -> np.ndarray:
    """The reference's drop-edge mask: Canny, distance, emboss, on the 8-bit liquid layer."""
    layer8 = np.clip(layer * 255, 0, 255).astype(np.uint8)
    edges = canny(layer8, 50, 150)
    if edges.any():
        distance = np.minimum(ndimage.distance_transform_edt(~edges), 20.0)
    else:
        distance = np.full(layer.shape, 20.0)
    distance = ndimage.uniform_filter(distance, 3, mode="mirror").astype(np.uint8)
    distance = equalize_histogram(distance).astype(np.float64)
    distance = np.clip(np.round(ndimage.correlate(distance, EMBOSS, mode="mirror")), 0, 255)
    distance = np.round(ndimage.uniform_filter(distance, 3, mode="mirror"))
    mask = layer8 * distance
    peak = mask.max()
    return mask / peak if peak > 0 else mask


def spatter(x, c, rngs):
    """Liquid splashes: water drop edges (mode 0) or opaque mud (mode 1).

    `(loc, scale, sigma, threshold, intensity_or_mud_sigma, mode)`. A layer
    N(loc, scale), blurred by sigma and zeroed below the threshold; water adds
    `intensity * mask * (175, 238, 238) / 255`, mud blends to (63, 42, 20) / 255
    where `gaussian(layer > threshold, mud_sigma) >= 0.8`. Deviation: the
    distance transform is exact Euclidean (OpenCV's 5x5 mask approximates it
    within 2%).
    """
    loc, scale, sigma, threshold, strength, mode = c
    height, width = x.shape[1:3]
    layers = np.stack([rng.normal(loc, scale, (height, width)) for rng in rngs])
    layers = gaussian_filter(layers, sigma)
    layers[layers < threshold] = 0
    if mode == 0:
        masks = np.stack([_water_mask(layer) for layer in layers]) * strength
        return x + masks[..., None] * WATER_RGB
    mud = gaussian_filter((layers > threshold).astype(np.float64), strength)
    mud[mud < 0.8] = 0
    return x * (1 - mud[..., None]) + mud[..., None] * MUD_RGB
