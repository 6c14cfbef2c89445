"""Properties every corruption must have: shape, dtype, range, seeding, change, monotonicity."""

import numpy as np
import pytest

from blur_keras import corruptions
from blur_keras.data import load_idx_arrays

ALL = corruptions.names(extra=True)
RANDOM = [n for n in ALL if n not in ("gaussian_blur", "defocus_blur", "zoom_blur", "contrast",
                                      "brightness", "saturate", "pixelate", "jpeg_compression")]


@pytest.fixture(scope="module")
def fashion():
    """16 real Fashion-MNIST test images in [0, 1], (16, 28, 28, 1)."""
    images, _ = load_idx_arrays("fashion_mnist", "test")
    return images[:16].astype(np.float64) / 255.0


@pytest.fixture(scope="module")
def colour(fashion):
    """The same images tinted into 32x32 RGB (a garment colour over a background colour)."""
    tint = np.random.default_rng(0).uniform(0.3, 1.0, (16, 1, 1, 3))
    rgb = fashion * tint + (1 - fashion) * tint[..., ::-1] * 0.3
    return np.pad(rgb, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="edge")


def test_names():
    assert len(corruptions.names()) == 15 and len(ALL) == 19
    assert corruptions.names()[:3] == ("gaussian_noise", "shot_noise", "impulse_noise")
    assert ALL[15:] == ("speckle_noise", "gaussian_blur", "spatter", "saturate")


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "uint8"])
def test_shape_dtype_range_every_severity(name, dtype):
    rng = np.random.default_rng(1)
    images = rng.random((2, 32, 32, 3))
    images = (images * 255).astype(np.uint8) if dtype == "uint8" else images.astype(dtype)
    for severity in corruptions.SEVERITIES:
        out = corruptions.corrupt(images, name, severity, seed=0)
        assert out.shape == images.shape and out.dtype == images.dtype
        if dtype != "uint8":
            assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("shape", [(2, 28, 28, 1), (1, 20, 24, 2), (1, 64, 48, 4)])
def test_any_channel_count_and_size(name, shape):
    images = np.random.default_rng(2).random(shape).astype(np.float32)
    out = corruptions.corrupt(images, name, 5, seed=0)
    assert out.shape == shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    if name not in ("saturate",):  # grey images have no saturation to change
        assert not np.array_equal(out, images)


@pytest.mark.real_data
@pytest.mark.parametrize("name", ALL)
def test_changes_the_image_at_every_severity(name, colour):
    for severity in corruptions.SEVERITIES:
        out = corruptions.corrupt(colour[:4], name, severity, seed=0)
        assert np.abs(out - colour[:4]).mean() > 1e-3, (name, severity)


@pytest.mark.real_data
@pytest.mark.parametrize("name", RANDOM)
def test_seeded_and_random(name, colour):
    a = corruptions.corrupt(colour[:3], name, 3, seed=7)
    b = corruptions.corrupt(colour[:3], name, 3, seed=7)
    c = corruptions.corrupt(colour[:3], name, 3, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Image i depends on (seed, i) only, not on the rest of the batch.
    np.testing.assert_array_equal(corruptions.corrupt(colour[:2], name, 3, seed=7), a[:2])
    # Tuple seeds (as corrupt_dataset uses) work and differ per component.
    assert not np.array_equal(corruptions.corrupt(colour[:3], name, 3, seed=(7, 1)), a)


@pytest.mark.real_data
@pytest.mark.parametrize("name", [n for n in ALL if corruptions.CORRUPTIONS[n].monotonic])
@pytest.mark.parametrize("images", ["colour", "fashion"])
def test_strength_grows_with_severity(name, images, request):
    clean = request.getfixturevalue(images)
    change = [np.abs(corruptions.corrupt(clean, name, s, seed=3) - clean).mean()
              for s in corruptions.SEVERITIES]
    # Equal neighbours are allowed (motion blur 3 -> 4 only adds ~0-weight taps).
    assert all(b >= a * (1 - 1e-3) for a, b in zip(change, change[1:])), change
    assert change[-1] > change[0]


def test_the_non_monotonic_ones_are_the_documented_ones():
    assert {n for n in ALL if not corruptions.CORRUPTIONS[n].monotonic} == {
        "elastic_transform", "spatter", "saturate", "glass_blur", "frost"}


def test_parameter_set_by_size():
    assert corruptions.parameter_set(32, 32) == "cifar"
    assert corruptions.parameter_set(28, 28) == "cifar"
    assert corruptions.parameter_set(84, 84) == "cifar"
    assert corruptions.parameter_set(85, 85) == "imagenet"
    assert corruptions.parameter_set(224, 224) == "imagenet"
    assert corruptions.parameter_set(224, 224, "cifar") == "cifar"


def test_parameters_argument_selects_the_set():
    images = np.full((1, 32, 32, 3), 0.5)
    cifar = corruptions.corrupt(images, "gaussian_noise", 5, seed=0)
    imagenet = corruptions.corrupt(images, "gaussian_noise", 5, seed=0, parameters="imagenet")
    assert np.std(cifar - 0.5) == pytest.approx(0.10, rel=0.1)
    assert np.std(imagenet - 0.5) > 0.25


def test_empty_batch():
    out = corruptions.corrupt(np.zeros((0, 32, 32, 3), np.float32), "fog", 1, seed=0)
    assert out.shape == (0, 32, 32, 3)


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "gausian_noise"}, "Did you mean"),
    ({"severity": 0}, "severity must be an integer from 1 to 5"),
    ({"severity": 6}, "severity must be"),
    ({"severity": True}, "severity must be"),
    ({"severity": 2.0}, "severity must be"),
    ({"images": np.full((1, 32, 32, 3), 1.5, np.float32)}, r"lie in \[0, 1\]"),
    ({"images": np.full((1, 32, 32, 3), np.nan, np.float32)}, r"lie in \[0, 1\]"),
    ({"images": np.zeros((32, 32, 3), np.float32)}, "shape"),
    ({"images": np.zeros((1, 4, 4, 3), np.float32)}, "at least 8x8"),
    ({"images": np.zeros((1, 32, 32, 3), np.int16)}, "dtype int16"),
    ({"seed": -1}, "seed must be"),
    ({"seed": "a"}, "seed must be"),
    ({"parameters": "tiny"}, "parameters must be"),
])
def test_bad_arguments(kwargs, message):
    args = {"images": np.zeros((1, 32, 32, 3), np.float32), "name": "fog", "severity": 1,
            "seed": 0, **kwargs}
    parameters = args.pop("parameters", "auto")
    with pytest.raises(ValueError, match=message):
        corruptions.corrupt(**args, parameters=parameters)
