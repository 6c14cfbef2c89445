"""The published CIFAR-10-P perturbation sequences, read from small generated `.npy` files."""

import numpy as np
import pytest

from blur_keras.data import CIFAR10_P_PERTURBATIONS, flip_reference, load_cifar10_p


def test_cifar10_p(tmp_path):
    sequences = np.random.default_rng(0).integers(0, 256, (4, 6, 32, 32, 3), dtype=np.uint8)
    np.save(tmp_path / "rotate.npy", sequences)
    loaded = load_cifar10_p("rotate", str(tmp_path), subset=3)
    np.testing.assert_array_equal(loaded, sequences[:3])
    assert flip_reference("shot_noise") == "first" and flip_reference("rotate") == "consecutive"
    assert len(CIFAR10_P_PERTURBATIONS) == 14
    with pytest.raises(FileNotFoundError, match="zenodo"):
        load_cifar10_p("tilt", str(tmp_path))
    with pytest.raises(ValueError, match="Unknown CIFAR-10-P perturbation"):
        load_cifar10_p("wobble", str(tmp_path))
    np.save(tmp_path / "scale.npy", np.zeros((2, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="frames >= 2"):
        load_cifar10_p("scale", str(tmp_path))
