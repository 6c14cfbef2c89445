import numpy as np
import pytest
import keras

from blur_keras.layers.padded_max_pooling import PaddedMaxPooling2D
from tests.test_case import run_layer_test, to_numpy


@pytest.mark.parametrize("kwargs,input_shape,output_shape", [
    ({"pool_size": 3, "strides": 2, "padding": 1}, (2, 8, 8, 3), (2, 4, 4, 3)),
    ({"pool_size": 2, "strides": 2}, (2, 5, 5, 3), (2, 2, 2, 3)),
])
def test_standard_layer_checks(kwargs, input_shape, output_shape, tmp_path):
    run_layer_test(PaddedMaxPooling2D, kwargs, input_shape, output_shape, str(tmp_path))


def test_negative_input_never_takes_the_padding():
    # PyTorch: F.max_pool2d(-(1..16).view(1, 1, 4, 4), 3, 2, padding=1) = [[-1, -2], [-5, -6]]:
    # the windows cover rows/columns -1..1 and 1..3.
    x = -np.arange(1, 17, dtype="float32").reshape(1, 4, 4, 1)
    y = to_numpy(PaddedMaxPooling2D(3, 2, 1)(x))
    np.testing.assert_array_equal(y[0, :, :, 0], [[-1, -2], [-5, -6]])
    # Zero padding (ZeroPadding2D + MaxPooling2D) would give 0 in the three border windows.
    zero = keras.layers.MaxPooling2D(3, 2)(keras.layers.ZeroPadding2D(1)(x))
    np.testing.assert_array_equal(to_numpy(zero)[0, :, :, 0], [[0, 0], [0, -6]])
    first = PaddedMaxPooling2D(3, 2, 1, data_format="channels_first")
    np.testing.assert_array_equal(to_numpy(first(x.reshape(1, 1, 4, 4)))[0, 0], [[-1, -2], [-5, -6]])


@pytest.mark.parametrize("size,expected", [(112, 56), (7, 4), (2, 1)])
def test_output_size_is_pytorch(size, expected):
    # floor((size + 2 - 3) / 2) + 1, the ResNet ImageNet stem pool.
    layer = PaddedMaxPooling2D(3, 2, 1)
    assert layer.compute_output_shape((1, size, size, 1)) == (1, expected, expected, 1)
    assert layer(np.zeros((1, size, size, 1), "float32")).shape == (1, expected, expected, 1)


@pytest.mark.parametrize("kwargs,message", [
    ({"pool_size": 0, "strides": 2}, "pool_size must be a positive integer"),
    ({"pool_size": 3, "strides": 1.5}, "strides must be a positive integer"),
    ({"pool_size": 3, "strides": 2, "padding": 2}, r"padding must be an integer in \[0, "),
    ({"pool_size": 3, "strides": 2, "padding": -1}, "padding must be"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PaddedMaxPooling2D(**kwargs)
