"""Digital corruptions: brightness, contrast, saturate, JPEG, pixelate, elastic transform.

Each takes `x` `(batch, height, width, channels)` float64 in [0, 1], the
severity's parameter `c` and one generator per image, and returns the
corrupted batch before clipping. Brightness and saturate are defined on RGB.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

from blur_keras.corruptions.color import hsv_to_rgb, rgb_to_hsv
from blur_keras.corruptions.image_ops import gaussian_filter

#: ImageNet-C scales its elastic parameters by 244 (a typo for 224 the authors kept).
ELASTIC_SIZE_FACTOR = {"cifar": 1.0, "imagenet": 244 / 224}


def brightness(x, c, rngs):
    """HSV value + c, clipped to [0, 1] (scikit-image HSV)."""
    del rngs
    hsv = rgb_to_hsv(x)
    hsv[..., 2] = np.clip(hsv[..., 2] + c, 0, 1)
    return hsv_to_rgb(hsv)


def saturate(x, c, rngs):
    """HSV saturation x mult + add, clipped to [0, 1]. `(mult, add)`."""
    del rngs
    hsv = rgb_to_hsv(x)
    hsv[..., 1] = np.clip(hsv[..., 1] * c[0] + c[1], 0, 1)
    return hsv_to_rgb(hsv)


def contrast(x, c, rngs):
    """`(x - m) c + m` with m the per-image, per-channel spatial mean."""
    del rngs
    mean = x.mean(axis=(1, 2), keepdims=True)
    return (x - mean) * c + mean


def jpeg_compression(x, c, rngs):
    """PIL JPEG encode/decode at quality c (default settings: 4:2:0 chroma for RGB).

    Images are rounded to 8 bits first. Three channels are coded as one RGB
    JPEG; any other channel count as one greyscale JPEG per channel.
    """
    del rngs

    def round_trip(array):  # uint8 (H, W, 3) is coded as RGB, (H, W) as greyscale
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, "JPEG", quality=int(c))
        return np.asarray(Image.open(buffer), dtype=np.float64)

    quantised = np.round(x * 255).astype(np.uint8)
    if x.shape[-1] == 3:
        out = np.stack([round_trip(image) for image in quantised])
    else:
        out = np.stack([np.stack([round_trip(image[..., k])
                                  for k in range(x.shape[-1])], axis=-1)
                        for image in quantised])
    return out / 255.0


def pixelate(x, c, rngs):
    """PIL box downsampling to `int(size c)` pixels and box upsampling back.

    Done in 32-bit float per channel (the reference resizes 8-bit RGB, which
    rounds each step to whole grey levels).
    """
    del rngs
    height, width = x.shape[1:3]
    small = (int(width * c), int(height * c))

    def resize(channel):
        image = Image.fromarray(channel.astype(np.float32))  # mode "F"
        return np.asarray(image.resize(small, Image.BOX).resize((width, height), Image.BOX))

    return np.stack([np.stack([resize(image[..., k]) for k in range(x.shape[-1])], axis=-1)
                     for image in x]).astype(np.float64)


def _affine_source_grid(height, width, jitter, rng):
    """Source (row, col) of each output pixel under the reference's random affine.

    Three anchor points around the centre move by U(-jitter, jitter) each
    coordinate; the affine map taking the anchors to their moved places is
    applied as OpenCV's `warpAffine` does (output pixel <- inverse-mapped source).
    """
    centre = np.array([width // 2, height // 2], dtype=np.float64)
    half = min(height, width) // 3
    anchors = np.array([centre + half, [centre[0] + half, centre[1] - half], centre - half])
    moved = anchors + rng.uniform(-jitter, jitter, anchors.shape)
    forward = np.linalg.solve(np.c_[anchors, np.ones(3)], moved).T  # 2x3, (x, y)
    inverse = np.linalg.inv(np.r_[forward, [[0, 0, 1]]])[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    src_x = inverse[0, 0] * cols + inverse[0, 1] * rows + inverse[0, 2]
    src_y = inverse[1, 0] * cols + inverse[1, 1] * rows + inverse[1, 2]
    return src_y, src_x


def elastic_transform(x, c, rngs, parameter_set="cifar"):
    """A random affine warp, then a smooth random displacement field.

    `(alpha, sigma, affine)` as fractions of the image size (x `min(height,
    width)`, and x 244/224 more for the ImageNet set, as published). The affine
    moves three anchor points by up to `affine` pixels (bilinear, reflect-101
    borders); the displacement is `alpha gaussian(U(-1, 1), sigma, truncate=3)`
    per axis, resampled bilinearly with mirrored borders.
    """
    height, width = x.shape[1:3]
    size = min(height, width) * ELASTIC_SIZE_FACTOR[parameter_set]
    alpha, sigma, jitter = (value * size for value in c)
    out = np.empty_like(x)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    for i, (image, rng) in enumerate(zip(x, rngs)):
        src_y, src_x = _affine_source_grid(height, width, jitter, rng)
        dx, dy = (gaussian_filter(rng.uniform(-1, 1, (1, height, width)), sigma,
                                  mode="reflect", truncate=3.0)[0] * alpha for _ in range(2))
        for k in range(x.shape[-1]):
            warped = ndimage.map_coordinates(image[..., k], [src_y, src_x], order=1,
                                             mode="mirror")
            out[i, ..., k] = ndimage.map_coordinates(warped, [rows + dy, cols + dx], order=1,
                                                     mode="reflect")
    return out
