import numpy as np
import pytest

from blur_keras.layers import AdaptiveAveragePooling2D
from blur_keras.layers.adaptive_average_pooling import adaptive_pooling_matrix
from tests.test_case import random_input, run_layer_test, to_numpy


def reference(x, out_h, out_w):
    """PyTorch AdaptiveAvgPool2d by its definition (channels_last)."""
    h, w = x.shape[1:3]
    out = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        h0, h1 = (i * h) // out_h, -(-((i + 1) * h) // out_h)
        for j in range(out_w):
            w0, w1 = (j * w) // out_w, -(-((j + 1) * w) // out_w)
            out[:, i, j] = x[:, h0:h1, w0:w1].mean(axis=(1, 2))
    return out


@pytest.mark.parametrize("size,out", [(2, 7), (5, 2), (7, 7), (6, 4)])
def test_standard_layer_checks(size, out, tmp_path):
    run_layer_test(AdaptiveAveragePooling2D, {"output_size": out}, (2, size, size, 3),
                   (2, out, out, 3), str(tmp_path))


@pytest.mark.parametrize("shape,out", [((2, 1, 1, 3), (7, 7)), ((1, 5, 7, 2), (2, 3)),
                                       ((1, 13, 13, 4), (6, 6)), ((1, 4, 9, 1), (7, 2))])
def test_matches_pytorch_definition(shape, out):
    x = random_input(shape)
    np.testing.assert_allclose(to_numpy(AdaptiveAveragePooling2D(out)(x)),
                               reference(x, *out), rtol=1e-5, atol=1e-6)


def test_channels_first():
    x = random_input((2, 5, 6, 3))
    first = AdaptiveAveragePooling2D((2, 4), data_format="channels_first")(
        np.transpose(x, (0, 3, 1, 2)))
    np.testing.assert_allclose(np.transpose(to_numpy(first), (0, 2, 3, 1)),
                               reference(x, 2, 4), rtol=1e-5, atol=1e-6)


def test_rows_sum_to_one():
    assert np.allclose(adaptive_pooling_matrix(5, 3).sum(axis=1), 1)


@pytest.mark.parametrize("size", [0, (1, 2, 3), "7", (2, -1)])
def test_invalid_output_size(size):
    with pytest.raises(ValueError, match="output_size"):
        AdaptiveAveragePooling2D(size)


def test_unknown_spatial_size():
    import keras
    with pytest.raises(ValueError, match="known spatial size"):
        AdaptiveAveragePooling2D(2)(keras.Input((None, None, 3)))
