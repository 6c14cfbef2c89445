"""The published severity parameters: CIFAR-10-C (32x32) and ImageNet-C (224x224).

Values are those of Hendrycks & Dietterich's generators `make_cifar_c.py` and
`make_imagenet_c.py` (github.com/hendrycks/robustness, `ImageNet-C/create_c/`),
severity 1 to 5. Which set an image gets (`parameter_set`): the CIFAR set below the
geometric mean of the two reference sizes (sqrt(32 * 224) = 84.7 pixels, taken
over sqrt(height * width)), the ImageNet set above it. Parameters in pixels
(blur radii, sigmas, shifts) are used as published, not rescaled; parameters
the generators tie to the image size (elastic, pixelate, zoom, glass loops,
plasma and frost sizes) follow the image size. A 28x28 Fashion-MNIST image thus
gets the CIFAR parameters, as a 32x32 image would.
"""

from __future__ import annotations

import math

import numpy as np

PARAMETER_SETS = ("cifar", "imagenet")
#: sqrt(32 * 224): images with sqrt(height * width) below it use the CIFAR set.
SIZE_THRESHOLD = math.sqrt(32 * 224)

CIFAR = {
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),
    "shot_noise": (500, 250, 100, 75, 50),
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),
    "speckle_noise": (0.06, 0.10, 0.12, 0.16, 0.20),
    "gaussian_blur": (0.4, 0.6, 0.7, 0.8, 1.0),
    "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),
    "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),
    # np.arange(start, stop, step) arguments, as published (see zoom_factors).
    "zoom_blur": ((1, 1.06, 0.01), (1, 1.11, 0.01), (1, 1.16, 0.01), (1, 1.21, 0.01),
                  (1, 1.26, 0.01)),
    "snow": ((0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
             (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9), (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
             (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)),
    "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),
    "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),
    "spatter": ((0.62, 0.1, 0.7, 0.7, 0.5, 0), (0.65, 0.1, 0.8, 0.7, 0.5, 0),
                (0.65, 0.3, 1, 0.69, 0.5, 0), (0.65, 0.1, 0.7, 0.69, 0.6, 1),
                (0.65, 0.1, 0.5, 0.68, 0.6, 1)),
    "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),
    # (alpha, sigma, affine) as fractions of the image size (x 32 in make_cifar_c.py).
    "elastic_transform": ((0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06),
                          (0.1, 0.04, 0.05), (0.1, 0.03, 0.03)),
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),
    "jpeg_compression": (80, 65, 58, 50, 40),
    "saturate": ((0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)),
}

IMAGENET = {
    "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
    "shot_noise": (60, 25, 12, 5, 3),
    "impulse_noise": (0.03, 0.06, 0.09, 0.17, 0.27),
    "speckle_noise": (0.15, 0.2, 0.35, 0.45, 0.6),
    "gaussian_blur": (1, 2, 3, 4, 6),
    "glass_blur": ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)),
    "defocus_blur": ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)),
    "motion_blur": ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15)),
    "zoom_blur": ((1, 1.11, 0.01), (1, 1.16, 0.01), (1, 1.21, 0.02), (1, 1.26, 0.02),
                  (1, 1.31, 0.03)),
    "snow": ((0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7),
             (0.55, 0.3, 4, 0.9, 12, 8, 0.7), (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65),
             (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)),
    "frost": ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)),
    "fog": ((1.5, 2), (2, 2), (2.5, 1.7), (2.5, 1.5), (3, 1.4)),
    "spatter": ((0.65, 0.3, 4, 0.69, 0.6, 0), (0.65, 0.3, 3, 0.68, 0.6, 0),
                (0.65, 0.3, 2, 0.68, 0.5, 0), (0.65, 0.3, 1, 0.65, 1.5, 1),
                (0.67, 0.4, 1, 0.65, 1.5, 1)),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    # Fractions of 244 in make_imagenet_c.py (a typo for 224 the authors kept); we
    # scale by size * 244 / 224, which gives the published values at 224.
    "elastic_transform": ((2, 0.7, 0.1), (2, 0.08, 0.2), (0.05, 0.01, 0.02),
                          (0.07, 0.01, 0.02), (0.12, 0.01, 0.02)),
    "pixelate": (0.6, 0.5, 0.4, 0.3, 0.25),
    "jpeg_compression": (25, 18, 15, 10, 7),
    "saturate": ((0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)),
}

TABLES = {"cifar": CIFAR, "imagenet": IMAGENET}


def parameter_set(height: int, width: int, parameters: str = "auto") -> str:
    """`"cifar"` or `"imagenet"`: the set used for images of this size.

    Args:
        height, width: image size in pixels.
        parameters: `"auto"` (by size, see the module docstring), `"cifar"` or
            `"imagenet"`.
    """
    if parameters == "auto":
        return "cifar" if math.sqrt(height * width) < SIZE_THRESHOLD else "imagenet"
    if parameters not in PARAMETER_SETS:
        raise ValueError(f"parameters must be 'auto', 'cifar' or 'imagenet'; "
                         f"received {parameters!r}.")
    return parameters


def severity_parameters(name: str, severity: int, parameter_set_name: str):
    """The published parameter of corruption `name` at `severity` (1-5)."""
    return TABLES[parameter_set_name][name][severity - 1]


def zoom_factors(start: float, stop: float, step: float) -> np.ndarray:
    """`np.arange(start, stop, step)` as the generators call it.

    The float end point can slip in: the CIFAR severity-1 set (1, 1.06, 0.01)
    has 7 factors, 1.00 to 1.06.
    """
    return np.arange(start, stop, step)
