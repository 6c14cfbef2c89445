import numpy as np
import pytest

from blur_keras.corruptions import perturbations


def images(shape=(2, 16, 16, 3), seed=0):
    return np.random.default_rng(seed).uniform(size=shape).astype("float32")


@pytest.mark.parametrize("name", perturbations.names())
def test_shape_range_and_first_frame(name):
    x = images()
    seqs = perturbations.sequences(x, name, frames=6, seed=1)
    assert seqs.shape == (2, 6, 16, 16, 3) and seqs.dtype == np.float32
    assert seqs.min() >= 0 and seqs.max() <= 1
    np.testing.assert_allclose(seqs[:, 0], x, atol=1e-6)
    assert not np.allclose(seqs[:, -1], x)


@pytest.mark.parametrize("name", ["translate", "rotate", "scale", "brightness"])
def test_gradual_perturbations_grow(name):
    i, j = np.mgrid[0:32, 0:32]
    smooth = 0.5 + 0.25 * np.sin(i / 5.0) + 0.2 * np.cos(j / 7.0)   # no pixel-scale noise
    x = smooth[None, :, :, None].astype("float32")
    seqs = perturbations.sequences(x, name, frames=5)
    distance = [np.abs(seqs[0, t] - x[0]).mean() for t in range(5)]
    assert all(a <= b + 1e-6 for a, b in zip(distance, distance[1:])), distance


def test_translate_by_hand_and_any_channels():
    x = np.zeros((1, 16, 16, 5), "float32")
    x[0, 0, 0] = 1.0
    last = perturbations.sequences(x, "translate", frames=3)[0, -1]
    assert last[2, 2].tolist() == [1.0] * 5          # shifted by 16 / 8 = 2 pixels


def test_noise_is_seeded_and_fresh_per_frame():
    x = np.full((1, 8, 8, 3), 0.5, "float32")
    a = perturbations.sequences(x, "gaussian_noise", frames=4, seed=3)
    b = perturbations.sequences(x, "gaussian_noise", frames=4, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[0, 1], a[0, 2])
    assert abs(float((a[0, 1:] - 0.5).std()) - 0.03) < 0.005


@pytest.mark.parametrize("kwargs,message", [
    ({"name": "blur"}, "Unknown perturbation"),
    ({"frames": 1}, "frames"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        perturbations.sequences(images(), **{"name": "rotate", **kwargs})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        perturbations.sequences(images() * 255, "rotate")
