"""Corruptions inside tf.data pipelines."""

import numpy as np
import pytest
import tensorflow as tf

from blur_keras import corruptions

pytestmark = pytest.mark.tensorflow_only


def test_corrupt_on_tensors_matches_numpy():
    images = np.random.default_rng(0).random((3, 32, 32, 3)).astype(np.float32)
    expected = corruptions.corrupt(images, "snow", 2, seed=5)
    out = corruptions.corrupt(tf.constant(images), "snow", 2, seed=5)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_corrupt_inside_dataset_map_keeps_static_shape():
    images = np.random.default_rng(0).random((4, 32, 32, 3)).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices(images).batch(2)
    ds = ds.map(lambda x: corruptions.corrupt(x, "fog", 3, seed=(1, 2)))
    assert ds.element_spec.shape.as_list() == [None, 32, 32, 3]
    out = np.concatenate(list(ds.as_numpy_iterator()))
    assert out.shape == images.shape and out.dtype == np.float32


def test_corrupt_dataset_seeds_each_batch():
    images = np.random.default_rng(0).random((6, 32, 32, 1)).astype(np.float32)
    labels = np.arange(6)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(3)
    first = list(corruptions.corrupt_dataset(ds, "gaussian_noise", 3, seed=4).as_numpy_iterator())
    again = list(corruptions.corrupt_dataset(ds, "gaussian_noise", 3, seed=4).as_numpy_iterator())
    for (x1, y1), (x2, y2), k in zip(first, again, range(2)):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, labels[3 * k:3 * k + 3])
        np.testing.assert_array_equal(
            x1, corruptions.corrupt(images[3 * k:3 * k + 3], "gaussian_noise", 3, seed=(4, k)))
    # The two batches get different noise (seeds (4, 0) and (4, 1)).
    assert not np.allclose(first[0][0] - images[:3], first[1][0] - images[3:])


def test_corrupt_dataset_errors():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((2, 32, 32, 3), np.float32)).batch(2)
    with pytest.raises(ValueError, match="integer seed"):
        corruptions.corrupt_dataset(ds, "fog", 1, seed=None)
    with pytest.raises(ValueError, match="Unknown corruption"):
        corruptions.corrupt_dataset(ds, "mist", 1)
    bad = tf.data.Dataset.from_tensor_slices(np.full((2, 32, 32, 3), 2.0, np.float32)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"lie in \[0, 1\]"):
        list(corruptions.corrupt_dataset(bad, "fog", 1))
