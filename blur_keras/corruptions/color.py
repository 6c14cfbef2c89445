"""Colour conversions on float RGB batches, as scikit-image and OpenCV define them."""

from __future__ import annotations

import numpy as np

#: ITU-R BT.601 luma weights (OpenCV's RGB2GRAY).
LUMA = np.array([0.299, 0.587, 0.114])


def luma(rgb: np.ndarray) -> np.ndarray:
    """Grey value `0.299 R + 0.587 G + 0.114 B`, keeping a channel axis of 1."""
    return rgb @ LUMA[:, None]


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] -> HSV in [0, 1] (scikit-image's `rgb2hsv` convention).

    Hue of grey pixels is 0; saturation of black pixels is 0.
    """
    value = rgb.max(axis=-1)
    delta = value - rgb.min(axis=-1)
    safe_delta = np.where(delta > 0, delta, 1.0)
    saturation = np.where(delta > 0, delta / np.where(value > 0, value, 1.0), 0.0)
    red, green, blue = np.moveaxis(rgb, -1, 0)
    # Where several channels share the maximum, blue wins over green over red.
    hue = np.where(blue == value, 4.0 + (red - green) / safe_delta,
                   np.where(green == value, 2.0 + (blue - red) / safe_delta,
                            (green - blue) / safe_delta))
    hue = np.where(delta > 0, (hue / 6.0) % 1.0, 0.0)
    return np.stack([hue, saturation, value], axis=-1)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """HSV in [0, 1] -> RGB in [0, 1] (scikit-image's `hsv2rgb`)."""
    hue, saturation, value = np.moveaxis(hsv, -1, 0)
    sector = np.floor(hue * 6.0)
    fraction = hue * 6.0 - sector
    sector = sector.astype(np.int64) % 6
    p = value * (1.0 - saturation)
    q = value * (1.0 - fraction * saturation)
    t = value * (1.0 - (1.0 - fraction) * saturation)
    choices = np.stack([np.stack(c, axis=-1) for c in
                        ((value, t, p), (q, value, p), (p, value, t),
                         (p, q, value), (t, p, value), (value, p, q))])
    return np.take_along_axis(choices, sector[None, ..., None].repeat(3, axis=-1), axis=0)[0]


def per_channel_as_rgb(function, x: np.ndarray, rngs) -> np.ndarray:
    """Applies an RGB corruption to images whose channels are not RGB.

    Each channel is treated as a grey image: replicated to RGB, corrupted, and
    mapped back to grey with `luma`. Channel k of image i draws its random
    numbers from a child of image i's generator.

    Args:
        function: `function(rgb_batch, rngs) -> rgb_batch`.
        x: `(batch, height, width, channels)` with channels != 3.
        rngs: one `np.random.Generator` per image.
    """
    batch, height, width, channels = x.shape
    grey = np.moveaxis(x, -1, 1).reshape(batch * channels, height, width, 1)
    channel_rngs = [child for rng in rngs for child in rng.spawn(channels)]
    out = luma(function(np.repeat(grey, 3, axis=-1), channel_rngs))
    return np.moveaxis(out.reshape(batch, channels, height, width), 1, -1)
