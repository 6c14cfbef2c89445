import numpy as np
import pytest
import keras

from blur_keras.layers import PixelStandardization
from tests.test_case import run_layer_test, to_numpy


def test_standard_layer_checks(tmp_path):
    run_layer_test(PixelStandardization, {"mean": 0.5, "std": 0.25}, (2, 5, 5, 3), (2, 5, 5, 3),
                   str(tmp_path))


def test_per_channel_statistics_in_keras_sequential(tmp_path):
    run_layer_test(PixelStandardization, {"mean": [0.1, 0.2, 0.3, 0.4], "std": [1, 2, 3, 4]},
                   (2, 5, 5, 4), (2, 5, 5, 4), str(tmp_path), run_dtype_policies=False)


def test_computes_what_the_data_pipeline_computes_for_uint8_and_float_pixels():
    import tensorflow as tf
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    pixels = np.random.default_rng(0).integers(0, 256, (3, 4, 4, 3)).astype("uint8")
    # blur_keras.data.transforms: cast to float32, / 255, then (x - mean) / std.
    scaled = tf.cast(pixels, tf.float32) / 255.0
    expected = ((scaled - tf.constant(mean)) / tf.constant(std)).numpy()
    layer = PixelStandardization(mean, std)
    # Bit for bit on TensorFlow, the backend the zoo's cards are computed on; XLA (JAX) may turn
    # a division into a multiplication by the reciprocal, one float32 rounding apart.
    tolerance = 0 if keras.backend.backend() == "tensorflow" else 1e-6
    for x in (pixels, pixels.astype("float32")):
        np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=tolerance, atol=tolerance)


def test_channels_first():
    layer = PixelStandardization([0.0, 0.5], [1.0, 0.5], data_format="channels_first")
    x = np.full((1, 2, 3, 3), 255.0, "float32")
    y = to_numpy(layer(x))
    assert np.allclose(y[0, 0], 1.0) and np.allclose(y[0, 1], 1.0)


@pytest.mark.parametrize("kwargs,message", [
    ({"mean": [0.5], "std": [0.0]}, "std must be"),
    ({"mean": "0.5", "std": [0.2]}, "mean must be"),
    ({"mean": [], "std": []}, "mean must be"),
    ({"mean": [0.5, 0.5], "std": [0.2]}, "one value per channel"),
    ({"mean": [0.5], "std": [0.2], "max_value": 0}, "max_value must be"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PixelStandardization(**kwargs)


def test_statistics_must_fit_the_channels():
    with pytest.raises(ValueError, match="statistics for 3 channels"):
        PixelStandardization([0.5] * 3, [0.2] * 3)(keras.Input((4, 4, 1)))
