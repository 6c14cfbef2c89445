"""CIFAR-10-P perturbation sequences from their published `.npy` files.

Download `CIFAR-10-P.tar` (Hendrycks & Dietterich, https://zenodo.org/record/2535967),
unpack it and pass its directory. Each `<perturbation>.npy` holds uint8
`(10000, frames, 32, 32, 3)` sequences of the CIFAR-10 test images, in order.
"""

from __future__ import annotations

import os

import numpy as np

CIFAR10_P_PERTURBATIONS = (
    "gaussian_noise", "shot_noise", "motion_blur", "zoom_blur", "spatter", "brightness",
    "translate", "rotate", "tilt", "scale", "speckle_noise", "gaussian_blur", "snow", "shear")
#: Noise sequences are compared with their first frame, the others frame to frame.
NOISE_PERTURBATIONS = ("gaussian_noise", "shot_noise", "speckle_noise")


def flip_reference(perturbation: str) -> str:
    """`"first"` for the noise sequences, `"consecutive"` otherwise (CIFAR-10-P's rule)."""
    return "first" if perturbation in NOISE_PERTURBATIONS else "consecutive"


def load_cifar10_p(perturbation: str, data_dir: str, subset: int | None = None) -> np.ndarray:
    """The sequences of one CIFAR-10-P perturbation, memory-mapped.

    Args:
        perturbation: one of `CIFAR10_P_PERTURBATIONS`.
        data_dir: the unpacked CIFAR-10-P directory.
        subset: only the first `subset` sequences.

    Returns:
        uint8 `(sequences, frames, 32, 32, 3)`; divide by 255 for [0, 1].

    Raises:
        ValueError: unknown perturbation or malformed file.
        FileNotFoundError: the file is missing (the message says where to get it).
    """
    if perturbation not in CIFAR10_P_PERTURBATIONS:
        raise ValueError(f"Unknown CIFAR-10-P perturbation {perturbation!r}: expected one of "
                         f"{list(CIFAR10_P_PERTURBATIONS)}.")
    path = os.path.join(data_dir, f"{perturbation}.npy")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: download and unpack CIFAR-10-P "
                                "(https://zenodo.org/record/2535967) and pass its directory.")
    sequences = np.load(path, mmap_mode="r")
    if sequences.ndim != 5 or sequences.shape[1] < 2 or sequences.dtype != np.uint8:
        raise ValueError(f"{path} must hold uint8 (sequences, frames >= 2, H, W, C); found "
                         f"{sequences.dtype} {sequences.shape}.")
    return sequences if subset is None else sequences[:subset]
