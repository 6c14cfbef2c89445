"""Weather corruptions: snow, frost, fog.

Each takes `x` `(batch, height, width, channels)` float64 in [0, 1], the
severity's parameter `c` and one generator per image, and returns the
corrupted batch before clipping. Snow and frost are defined on RGB.
"""

from __future__ import annotations

import numpy as np

from blur_keras.corruptions.color import luma
from blur_keras.corruptions.frost_texture import frost_texture
from blur_keras.corruptions.image_ops import (clipped_zoom, motion_blur, next_power_of_two,
                                              plasma_fractal)

#: Photograph pixels per texture pixel: the CIFAR generator shrinks the frost photographs x0.2.
FROST_SCALE = {"cifar": 0.2, "imagenet": 1.0}


def snow(x, c, rngs):
    """Snow flakes: a thresholded, zoomed noise layer, motion blurred, over a whitened image.

    `(loc, scale, zoom, threshold, blur_radius, blur_sigma, blend)`. The layer
    N(loc, scale) is zoomed, set to 0 below the threshold, clipped and motion
    blurred (ImageMagick kernel, angle U(-135, -45) degrees); the image becomes
    `b x + (1 - b) max(x, 1.5 grey(x) + 0.5)`, and the layer is added to it
    straight and rotated by 180 degrees. The reference rounds the layer
    through an 8-bit PNG; we keep floats.
    """
    loc, scale, zoom, threshold, radius, sigma, blend = c
    height, width = x.shape[1:3]
    layers = []
    for rng in rngs:
        layer = rng.normal(loc, scale, (1, height, width, 1))
        layer = clipped_zoom(layer, zoom)[0]
        layer = np.clip(np.where(layer < threshold, 0.0, layer), 0, 1)
        layers.append(motion_blur(layer, radius, sigma, rng.uniform(-135, -45)))
    layer = np.stack(layers)
    base = blend * x + (1 - blend) * np.maximum(x, luma(x) * 1.5 + 0.5)
    return base + layer + layer[:, ::-1, ::-1]


def frost(x, c, rngs, parameter_set="cifar"):
    """`image_weight x + frost_weight F / 255` with a procedural frost texture F.

    See `frost_texture` for how F stands in for the published photographs.
    """
    image_weight, frost_weight = c
    height, width = x.shape[1:3]
    textures = np.stack([frost_texture(height, width, FROST_SCALE[parameter_set], rng)
                         for rng in rngs])
    return image_weight * x + frost_weight * textures / 255.0


def fog(x, c, rngs):
    """`(x + a P) m / (m + a)`: plasma fractal P, image maximum m, amount a.

    `(amount, wibble_decay)`; P is a diamond-square fractal on the next power
    of two (32 for CIFAR, 256 for ImageNet), cropped, the same for every channel.
    """
    amount, decay = c
    height, width = x.shape[1:3]
    size = next_power_of_two(max(height, width))
    plasma = np.stack([plasma_fractal(size, decay, rng)[:height, :width] for rng in rngs])
    peak = x.max(axis=(1, 2, 3), keepdims=True)
    return (x + amount * plasma[..., None]) * peak / (peak + amount)
