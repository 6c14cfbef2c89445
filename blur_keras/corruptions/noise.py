"""Noise corruptions: gaussian, shot (Poisson), impulse (salt and pepper), speckle.

Each takes `x` `(batch, height, width, channels)` float64 in [0, 1], the
severity's parameter `c` and one generator per image, and returns the
corrupted batch before clipping.
"""

from __future__ import annotations

import numpy as np


def _draw(rngs, method: str, shape, **kwargs) -> np.ndarray:
    return np.stack([getattr(rng, method)(size=shape, **kwargs) for rng in rngs])


def gaussian_noise(x, c, rngs):
    """`x + N(0, c^2)`, independent per value."""
    return x + _draw(rngs, "normal", x.shape[1:], scale=c)


def shot_noise(x, c, rngs):
    """`Poisson(c x) / c`, independent per value (variance x / c)."""
    return np.stack([rng.poisson(image * c) for rng, image in zip(rngs, x)]) / c


def impulse_noise(x, c, rngs):
    """Each value is replaced with probability c, by 0 or 1 with equal odds.

    scikit-image's `random_noise(mode="s&p", amount=c)`, per channel value.
    """
    flipped = _draw(rngs, "random", x.shape[1:]) < c
    salt = _draw(rngs, "random", x.shape[1:]) < 0.5
    return np.where(flipped, salt.astype(x.dtype), x)


def speckle_noise(x, c, rngs):
    """`x + x N(0, c^2)`, independent per value."""
    return x + x * _draw(rngs, "normal", x.shape[1:], scale=c)
