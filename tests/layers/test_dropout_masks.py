"""Statistics of MC dropout's 16-bit-threshold masks (`blur_keras.layers.dropout_masks`).

Each check would fail on a mask that is biased, reused across samples or steps, or shifted by
one element: the tolerances are 5 standard errors of an independent Bernoulli sample.
"""

import numpy as np
import pytest
import keras

from blur_keras.layers import MCDropout
from blur_keras.layers.dropout_masks import dropout, quantized_rate
from tests.test_case import to_numpy


def _masks(rate, shape, seed=0, calls=1):
    generator = keras.random.SeedGenerator(seed)
    ones = np.ones(shape, "float32")
    return [to_numpy(dropout(ones, rate, generator)) != 0 for _ in range(calls)]


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.3, 0.5])
def test_keep_rate_over_ten_million_elements(rate):
    assert abs(quantized_rate(rate) - rate) <= 2 ** -17 < 1e-4
    (keep,) = _masks(rate, (10, 1000, 1000), seed=11)
    p = 1 - quantized_rate(rate)
    error = 5 * np.sqrt(p * (1 - p) / keep.size)
    assert abs(keep.mean() - p) < error


def test_kept_values_are_scaled():
    generator = keras.random.SeedGenerator(1)
    y = to_numpy(dropout(np.full((64, 64), 2.0, "float32"), 0.3, generator))
    np.testing.assert_allclose(np.unique(y), [0.0, 2.0 / 0.7], rtol=1e-6)


def _shifted_pair(first, second):
    """Element i of one mask against element i + 1 of the next."""
    return first.ravel()[:-1], second.ravel()[1:]


def _correlation(a, b):
    return np.corrcoef(a.ravel().astype("float64"), b.ravel().astype("float64"))[0, 1]


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_no_correlation_between_neighbours_samples_or_steps(rate):
    first, second = _masks(rate, (64, 28, 28, 16), seed=5, calls=2)
    bound = lambda a: 5 / np.sqrt(a.size)
    pairs = {
        "next element in a row": (first[:, :, 1:], first[:, :, :-1]),
        "next row": (first[:, 1:], first[:, :-1]),
        "next channel": (first[..., 1:], first[..., :-1]),
        "next sample of the batch": (first[1:], first[:-1]),
        "the two halves of one 32-bit word": (first.ravel()[0::2], first.ravel()[1::2]),
        "next step (call)": (first, second),
        "next step, shifted by one element": _shifted_pair(first, second),
    }
    for what, (a, b) in pairs.items():
        assert abs(_correlation(a, b)) < bound(a), what


def test_the_tests_catch_a_reused_or_shifted_mask():
    (mask,) = _masks(0.3, (64, 28, 28, 16), seed=5)
    assert _correlation(mask, mask) > 0.99                       # reused across samples or steps
    assert _correlation(*_shifted_pair(mask, np.roll(mask, 1))) > 0.99   # shifted by one


def test_same_seed_same_masks_and_different_seeds_differ():
    a = _masks(0.3, (8, 7, 7, 5), seed=3, calls=2)
    b = _masks(0.3, (8, 7, 7, 5), seed=3, calls=2)
    c = _masks(0.3, (8, 7, 7, 5), seed=4, calls=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[0], a[1])


@pytest.mark.parametrize("size", [1, 7, 4097])
def test_odd_sizes(size):
    (keep,) = _masks(0.5, (size,), seed=2)
    assert keep.shape == (size,)


def test_layer_uses_the_masks_and_stays_reproducible():
    x = np.ones((4, 6, 6, 3), "float32")
    first = to_numpy(MCDropout(0.3, seed=9)(x))
    assert np.array_equal(first, to_numpy(MCDropout(0.3, seed=9)(x)))
    np.testing.assert_array_equal(first, to_numpy(dropout(x, 0.3, keras.random.SeedGenerator(9))))


def test_tiny_rate_and_zero_rate():
    x = np.ones((100,), "float32")
    assert np.array_equal(to_numpy(MCDropout(0.0, seed=1)(x)), x)
    assert np.array_equal(to_numpy(dropout(x, 1e-7, keras.random.SeedGenerator(1))), x)
