"""Procedural frost textures standing in for the five published frost photographs.

The reference blends a random crop of one of five frost photographs (frost1 to
frost5; frost6 is never drawn). We do not ship the photographs: each texture is
drawn from the image's generator as fans of thin, bright ice needles growing
from random nucleation points, over a cloudy plasma background, then coloured
with the per-channel mean and standard deviation of one of the five
photographs, picked uniformly as the reference picks a file. The statistics
were measured with `python -m benchmarks.frost_statistics` (scale x0.2, the
CIFAR generator's; at full size they differ by less than one grey level).
The textures match the photographs' colour and contrast, not their exact
crystal shapes, so frost is not pixel-comparable with CIFAR-10-C. Needle density,
cloud weight and needle blur were set so that 32x32 textures come close to 32x32
crops of the x0.2 photographs in contrast and pixel-to-pixel variation; compare
with `python -m benchmarks.reference_parity --frost_dir=...`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from blur_keras.corruptions.image_ops import next_power_of_two, plasma_fractal

#: (mean RGB, std RGB) on the 0-255 scale of frost1.png ... frost5.jpg.
FROST_PHOTO_STATISTICS = (
    ((77.5, 149.0, 165.7), (26.8, 16.4, 15.3)),
    ((200.8, 205.4, 214.5), (21.4, 22.1, 22.6)),
    ((200.8, 205.4, 214.5), (21.4, 22.1, 22.6)),
    ((138.0, 153.2, 165.6), (29.0, 29.0, 30.2)),
    ((112.3, 123.3, 134.7), (44.3, 43.2, 41.6)),
)
#: Needle length range in photograph pixels (shown at `scale` x that in the texture).
NEEDLE_LENGTH = (12.0, 60.0)
#: Needle length per texture pixel summed over all needles (how densely they cover it).
NEEDLE_COVERAGE = 2.5
#: Weight of the cloudy background relative to the needles (both standardised).
CLOUD_WEIGHT = 0.3


def _needles(height: int, width: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Bilinear splats of needle segments; half grow in fans from nucleation points."""
    low, high = (max(1.5, length * scale) for length in NEEDLE_LENGTH)
    count = max(1, int(NEEDLE_COVERAGE * height * width / ((low + high) / 2)))
    lengths = rng.uniform(low, high, count)
    centres = rng.uniform((0, 0), (height, width), (max(1, count // 12), 2))
    fan = rng.integers(0, len(centres), count)
    fan_direction = rng.uniform(0, 2 * math.pi, len(centres))
    in_fan = rng.random(count) < 0.5
    starts = np.where(in_fan[:, None], centres[fan] + rng.normal(0, low, (count, 2)),
                      rng.uniform((0, 0), (height, width), (count, 2)))
    angles = np.where(in_fan, fan_direction[fan] + rng.normal(0, 0.5, count),
                      rng.uniform(0, 2 * math.pi, count))
    brightness = rng.uniform(0.3, 1.0, count)
    steps = np.linspace(0.0, 1.0, int(math.ceil(2 * high)) + 1)
    along = lengths[:, None] * steps[None, :]
    rows = starts[:, :1] + along * np.sin(angles)[:, None]
    cols = starts[:, 1:] + along * np.cos(angles)[:, None]
    fade = brightness[:, None] * (1.0 - 0.7 * steps[None, :])
    canvas = np.zeros((height + 1) * (width + 1))
    top, left = np.floor(rows), np.floor(cols)
    for d_row in (0, 1):
        for d_col in (0, 1):
            r, c = top + d_row, left + d_col
            weight = fade * (1 - np.abs(rows - r)) * (1 - np.abs(cols - c))
            inside = (r >= 0) & (r <= height) & (c >= 0) & (c <= width)
            canvas += np.bincount((r * (width + 1) + c)[inside].astype(np.int64),
                                  weights=weight[inside], minlength=canvas.size)
    return canvas.reshape(height + 1, width + 1)[:height, :width]


def _standardised(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / max(float(x.std()), 1e-12)


def frost_texture(height: int, width: int, scale: float, rng: np.random.Generator
                  ) -> np.ndarray:
    """One frost texture, `(height, width, 3)` RGB float64 on the 0-255 scale.

    Args:
        height, width: texture size.
        scale: size of the texture's pixels relative to the photographs' (0.2 for
            the CIFAR generator, which shrinks the photographs x0.2; 1 for ImageNet-C).
        rng: random generator.
    """
    mean, std = FROST_PHOTO_STATISTICS[rng.integers(len(FROST_PHOTO_STATISTICS))]
    needles = ndimage.gaussian_filter(_needles(height, width, scale, rng), 0.3)
    clouds = plasma_fractal(next_power_of_two(max(height, width)), 2.0, rng)[:height, :width]
    clouds = ndimage.gaussian_filter(clouds, max(height, width) / 16)
    texture = _standardised(_standardised(needles) + CLOUD_WEIGHT * _standardised(clouds))
    return np.clip(np.asarray(mean) + texture[..., None] * np.asarray(std), 0, 255)
