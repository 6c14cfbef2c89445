"""Perturbation sequences in the style of CIFAR-10-P, for images of any size.

`sequences(images, name, frames=10)` returns, for each image, `frames` copies
perturbed gradually more (translation, rotation, zoom, brightness) or with
fresh noise of one strength (gaussian_noise: compare each frame with the first
one, `flip_reference="first"`). The strengths are this package's choice, scaled
to the image size, not the published CIFAR-10-P parameters:

| name | frame t of T (t = 0 .. T-1) |
|---|---|
| translate | shifted right and down by round(t / (T-1) * H / 8) pixels, edges reflected |
| rotate | rotated by t / (T-1) * 15 degrees, edges reflected |
| scale | centre zoom by 1 + t / (T-1) * 0.25 |
| brightness | + t / (T-1) * 0.3, clipped to [0, 1] |
| gaussian_noise | + N(0, 0.03^2) drawn anew for t >= 1 (frame 0 is clean), clipped |
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

NAMES = ("translate", "rotate", "scale", "brightness", "gaussian_noise")


def names() -> tuple[str, ...]:
    """The perturbation names."""
    return NAMES


def _zoom(image: np.ndarray, factor: float) -> np.ndarray:
    """Centre zoom by `factor` >= 1, keeping the size (bilinear)."""
    height, width = image.shape[:2]
    crop_h, crop_w = int(np.ceil(height / factor)), int(np.ceil(width / factor))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = image[top:top + crop_h, left:left + crop_w]
    zoomed = ndimage.zoom(crop, (height / crop_h, width / crop_w, 1), order=1, mode="nearest")
    return zoomed[:height, :width]


def _frame(image, name, progress, rng):
    height = image.shape[0]
    if name == "translate":
        shift = int(round(progress * height / 8))
        padded = np.pad(image, ((shift, 0), (shift, 0), (0, 0)), mode="reflect")
        return padded[:height, :image.shape[1]]
    if name == "rotate":
        return ndimage.rotate(image, progress * 15.0, axes=(1, 0), reshape=False, order=1,
                              mode="reflect")
    if name == "scale":
        return _zoom(image, 1.0 + progress * 0.25)
    if name == "brightness":
        return image + progress * 0.3
    return image + rng.normal(0.0, 0.03, size=image.shape) if progress > 0 else image


def sequences(images: np.ndarray, name: str, frames: int = 10, seed: int | None = None
              ) -> np.ndarray:
    """Gradually perturbed copies of each image.

    Args:
        images: float images in [0, 1], shape `(batch, height, width, channels)`.
        name: one of `names()`.
        frames: frames per sequence (>= 2); frame 0 is the unperturbed image.
        seed: seed of the noise (gaussian_noise only).

    Returns:
        `(batch, frames, height, width, channels)` float32 in [0, 1].

    Example:

    >>> seqs = sequences(images, "rotate", frames=10)
    >>> robustness.evaluate_consistency(model, normalise(seqs))
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (batch, height, width, channels); "
                         f"received {images.shape}.")
    if not np.issubdtype(images.dtype, np.floating) or images.min() < 0 or images.max() > 1:
        raise ValueError("images must be floats in [0, 1]; divide uint8 images by 255.")
    if name not in NAMES:
        raise ValueError(f"Unknown perturbation {name!r}: expected one of {NAMES}.")
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an integer >= 2; received {frames!r}.")
    rng = np.random.default_rng(seed)
    out = np.empty((len(images), frames) + images.shape[1:], dtype=np.float32)
    for i, image in enumerate(images.astype(np.float64)):
        for t in range(frames):
            out[i, t] = np.clip(_frame(image, name, t / (frames - 1), rng), 0.0, 1.0)
    return out
