import numpy as np
import pytest
from keras import ops

from blur_keras.layers import Blur, blur_filter
from tests.test_case import random_input, run_layer_test, to_numpy

KERNELS = [(1,), (1, 1), (1, 2, 1), (1, 4, 6, 4, 1)]
PADDINGS = ["same", "full", "valid"]
PAD_MODES = ["constant", "reflect", "symmetric", "edge"]


def reference_blur(x, taps, padding, pad_mode):
    """Independent numpy blur of a channels_last batch by direct correlation."""
    n = len(taps)
    pads = {"same": ((n - 1) // 2, n // 2), "full": (n - 1, n - 1), "valid": (0, 0)}[padding]
    padded = np.pad(x, ((0, 0), pads, pads, (0, 0)), mode=pad_mode)
    taps = np.asarray(taps, "float64")
    weights = np.outer(taps, taps) / taps.sum() ** 2
    h = padded.shape[1] - n + 1
    w = padded.shape[2] - n + 1
    out = np.zeros((x.shape[0], h, w, x.shape[3]))
    for i in range(n):
        for j in range(n):
            out += weights[i, j] * padded[:, i:i + h, j:j + w, :]
    return out


@pytest.mark.parametrize("padding,expected", [("same", 6), ("full", 7), ("valid", 5)])
def test_standard_layer_checks(padding, expected, tmp_path):
    run_layer_test(Blur, {"kernel": (1, 1), "padding": padding}, (2, 6, 6, 3),
                   (2, expected, expected, 3), str(tmp_path))


def test_standard_layer_checks_channels_first(tmp_path):
    run_layer_test(Blur, {"kernel": (1, 2, 1), "data_format": "channels_first",
                          "pad_mode": "reflect"},
                   (2, 3, 6, 6), (2, 3, 6, 6), str(tmp_path), run_dtype_policies=False)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("pad_mode", PAD_MODES)
def test_matches_numpy_reference(kernel, padding, pad_mode):
    x = random_input((2, 7, 6, 3), seed=len(kernel))
    expected = reference_blur(x, kernel, padding, pad_mode)
    actual = to_numpy(Blur(kernel, padding=padding, pad_mode=pad_mode)(x))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pad_mode", PAD_MODES)
def test_channels_first_equals_channels_last(pad_mode):
    x = random_input((2, 7, 6, 3))
    last = to_numpy(Blur((1, 2, 1), padding="full", pad_mode=pad_mode)(x))
    first = to_numpy(Blur((1, 2, 1), padding="full", pad_mode=pad_mode,
                          data_format="channels_first")(np.transpose(x, (0, 3, 1, 2))))
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, rtol=1e-6, atol=1e-6)


def test_full_box_blur_is_zero_padded_2x2_mean_by_hand():
    # PyTorch AvgPool2d(2, stride=1, padding=1, count_include_pad=True) on a 2x2 map.
    x = np.array([[1.0, 2.0], [3.0, 4.0]], "float32").reshape(1, 2, 2, 1)
    expected = np.array([[1, 3, 2], [4, 10, 6], [3, 7, 4]], "float32") / 4
    actual = to_numpy(Blur((1, 1), padding="full")(x))[0, :, :, 0]
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_filter_is_normalised_outer_product():
    np.testing.assert_allclose(blur_filter((1, 2, 1)),
                               np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16)
    assert blur_filter((1,)).tolist() == [[1.0]]


def test_identity_kernel_returns_input():
    x = random_input((1, 4, 4, 2))
    np.testing.assert_allclose(to_numpy(Blur((1,))(x)), x, rtol=1e-6)


def test_has_no_weights():
    layer = Blur((1, 4, 6, 4, 1))
    layer.build((None, 8, 8, 5))
    assert layer.weights == []


def test_gradient_is_finite_and_flows():
    import keras
    x = keras.Variable(random_input((1, 5, 5, 2)))
    layer = Blur((1, 2, 1), padding="full", pad_mode="symmetric")
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            loss = ops.sum(layer(x) ** 2)
        grad = to_numpy(tape.gradient(loss, x.value))
    elif keras.backend.backend() == "jax":
        import jax
        grad = np.asarray(jax.grad(lambda v: ops.sum(layer(v) ** 2))(x.value))
    else:
        pytest.skip("gradient check written for the TensorFlow and JAX backends")
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)


@pytest.mark.parametrize("kwargs,message", [
    ({"kernel": ()}, "non-empty"),
    ({"kernel": (1, -1)}, "positive"),
    ({"kernel": (1, 0)}, "positive"),
    ({"padding": "causal"}, "padding"),
    ({"pad_mode": "wrap"}, "pad_mode"),
    ({"data_format": "NHWC"}, "data_format"),
])
def test_invalid_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Blur(**kwargs)


def test_rank_and_size_errors():
    with pytest.raises(ValueError, match="rank-4"):
        Blur()(np.ones((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="at least 5"):
        Blur((1, 4, 6, 4, 1), padding="valid")(np.ones((1, 4, 8, 1), "float32"))
    with pytest.raises(ValueError, match="reflect"):
        Blur((1, 4, 6, 4, 1), padding="full", pad_mode="reflect")(np.ones((1, 4, 4, 1), "float32"))


def _depthwise_blur(layer: Blur, x):
    """The layer's filter as a float32 depthwise convolution (the implementation before pooling)."""
    from blur_keras.layers.padding import pad_spatial
    from blur_keras.layers.validation import spatial_axes
    padded = pad_spatial(x, (layer.pads, layer.pads), layer.pad_mode,
                         spatial_axes(layer.data_format))
    channels = x.shape[-1] if layer.data_format == "channels_last" else x.shape[1]
    kernel = np.tile(layer.filter_2d[:, :, None, None], (1, 1, channels, 1)).astype("float32")
    return to_numpy(ops.depthwise_conv(padded, kernel, strides=1, padding="valid",
                                       data_format=layer.data_format))


@pytest.mark.parametrize("kernel", KERNELS + [(2, 2), (1, 3, 3, 1)])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("pad_mode", PAD_MODES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_path_equals_the_depthwise_convolution(kernel, padding, pad_mode, data_format):
    shape = (2, 9, 8, 5) if data_format == "channels_last" else (2, 5, 9, 8)
    x = random_input(shape, seed=3)
    layer = Blur(kernel, padding, pad_mode, data_format=data_format)
    assert layer.box_passes == len(kernel) - 1        # every binomial kernel takes the pooling path
    np.testing.assert_allclose(to_numpy(layer(x)), _depthwise_blur(layer, x), rtol=0, atol=1e-6)


def test_non_binomial_kernels_keep_the_depthwise_convolution():
    layer = Blur((1, 2, 3))
    assert layer.box_passes is None
    x = random_input((2, 6, 6, 3), seed=4)
    np.testing.assert_allclose(to_numpy(layer(x)), reference_blur(x, (1, 2, 3), "same", "constant"),
                               rtol=1e-5, atol=1e-6)
