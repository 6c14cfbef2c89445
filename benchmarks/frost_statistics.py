"""Per-channel mean and std of the published frost photographs (what `frost_texture` matches).

The photographs ship in the `imagecorruptions` wheel (byte-identical to the
reference repository's). Not a dependency of blur_keras; to rerun:

    pip download --no-deps imagecorruptions==1.1.2 -d /tmp/ic
    unzip -o /tmp/ic/imagecorruptions-1.1.2-py3-none-any.whl -d /tmp/ic
    python -m benchmarks.frost_statistics --frost_dir=/tmp/ic/imagecorruptions/frost

It prints, for frost1-frost5 (the reference picks among these five), the RGB
statistics at the CIFAR generator's scale (OpenCV INTER_LINEAR resize x0.2,
emulated with bilinear sampling, no antialiasing) and at full size (ImageNet).
"""

from __future__ import annotations

import os

import numpy as np
from absl import app, flags
from PIL import Image
from scipy import ndimage

FLAGS = flags.FLAGS
flags.DEFINE_string("frost_dir", None, "Directory holding frost1.png ... frost5.jpg.")
flags.mark_flag_as_required("frost_dir")

FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")


def resize_like_opencv(image: np.ndarray, factor: float) -> np.ndarray:
    """`cv2.resize(fx=fy=factor, INTER_LINEAR)`: bilinear samples at (dst + 0.5) / f - 0.5."""
    height, width = (int(round(s * factor)) for s in image.shape[:2])
    rows = (np.arange(height) + 0.5) / factor - 0.5
    cols = (np.arange(width) + 0.5) / factor - 0.5
    grid = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([ndimage.map_coordinates(image[..., k], grid, order=1, mode="nearest")
                     for k in range(image.shape[-1])], axis=-1)


def main(argv) -> None:
    del argv
    for scale in (0.2, 1.0):
        print(f"scale {scale}: (mean RGB, std RGB) on 0-255")
        for name in FILES:
            image = np.asarray(Image.open(os.path.join(FLAGS.frost_dir, name)).convert("RGB"),
                               dtype=np.float64)
            if scale != 1.0:
                image = resize_like_opencv(image, scale)
            mean = tuple(round(float(v), 1) for v in image.mean(axis=(0, 1)))
            std = tuple(round(float(v), 1) for v in image.std(axis=(0, 1)))
            print(f"    ({mean}, {std}),  # {name} {image.shape[1]}x{image.shape[0]}")


if __name__ == "__main__":
    app.run(main)
