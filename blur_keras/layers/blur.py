"""`Blur`: a fixed, normalised depthwise filter."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import keras
from keras import ops

from blur_keras.layers.padding import PAD_MODES, pad_spatial
from blur_keras.layers.validation import (
    channel_axis, check_choice, check_rank4, spatial_axes, standardize_data_format)

PADDINGS = ("same", "full", "valid")


def blur_filter(kernel: Sequence[float]) -> np.ndarray:
    """The 2-D blur filter `outer(k, k) / sum(k) ** 2` of a 1-D tap list.

    Args:
        kernel: 1-D taps, at least one, all positive.

    Returns:
        A float64 array of shape `(len(kernel), len(kernel))` that sums to 1.
    """
    taps = np.asarray(kernel, dtype=np.float64)
    if taps.ndim != 1 or taps.size == 0:
        raise ValueError(
            f"Blur kernel must be a non-empty 1-D list of taps, e.g. (1, 1) or (1, 2, 1); "
            f"received {kernel!r}.")
    if not np.all(np.isfinite(taps)) or np.any(taps <= 0):
        raise ValueError(f"Blur kernel taps must be finite and positive; received {kernel!r}.")
    return np.outer(taps, taps) / taps.sum() ** 2


def box_passes(kernel: Sequence[float]) -> int | None:
    """How many 2x2 box passes make `kernel`'s filter, or None when none do.

    A binomial kernel `(C(n-1, 0), ..., C(n-1, n-1))` (at any scale) is the box
    `(1, 1)` convolved with itself `n - 1` times, so its filter is `n - 1`
    stride-1 2x2 average poolings: `(1, 1)` is one, `(1, 2, 1)` two,
    `(1, 4, 6, 4, 1)` four, `(1,)` none (0).
    """
    taps = np.asarray(kernel, dtype=np.float64)
    binomial = np.array([math.comb(taps.size - 1, i) for i in range(taps.size)], np.float64)
    if np.allclose(taps / taps.sum(), binomial / binomial.sum(), rtol=1e-12, atol=0):
        return taps.size - 1
    return None


def blur_pads(size: int, padding: str) -> tuple[int, int]:
    """Zeros padded before and after one spatial axis for a kernel of `size` taps."""
    if padding == "same":
        return (size - 1) // 2, size // 2
    if padding == "full":
        return size - 1, size - 1
    return 0, 0


@keras.saving.register_keras_serializable(package="blur_keras")
class Blur(keras.layers.Layer):
    """Fixed, normalised depthwise blur with stride 1.

    Every channel is convolved with the same 2-D filter
    `outer(kernel, kernel) / sum(kernel) ** 2`. The filter is a constant built
    from the config, not a weight: a model's weight file does not change when
    blurs are added. `kernel=(1, 1)` is the 2x2 box blur of Park & Kim (2022),
    `(1, 2, 1)` and `(1, 4, 6, 4, 1)` are binomial blurs, `(1,)` is the identity.
    Binomial filters run as repeated stride-1 2x2 average poolings (equal to the
    depthwise convolution to float rounding, and cheaper to train on CPU); other
    kernels as a depthwise convolution.

    Args:
        kernel: 1-D taps (length >= 1, positive).
        padding: `"same"` keeps the spatial size (pads `floor((n-1)/2)` before
            and `ceil((n-1)/2)` after); `"full"` pads `n-1` on every side and
            grows the map by `n-1` (for `(1, 1)` this is PyTorch's
            `AvgPool2d(2, stride=1, padding=1)` of the reference code);
            `"valid"` pads nothing and shrinks the map by `n-1`.
        pad_mode: how padded pixels are filled: `"constant"` (zeros, counted in
            the mean), `"reflect"`, `"symmetric"` or `"edge"`. All four behave
            the same on every Keras backend.
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Returns:
        A tensor of the input's dtype, spatial size changed as `padding` says.

    Example:

    >>> x = np.ones((1, 4, 4, 3), "float32")
    >>> Blur()(x).shape
    (1, 4, 4, 3)
    >>> Blur(padding="full")(x).shape
    (1, 5, 5, 3)
    """

    def __init__(self, kernel: Sequence[float] = (1, 1), padding: str = "same",
                 pad_mode: str = "constant", data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.filter_2d = blur_filter(kernel)
        self.kernel = tuple(float(k) if not float(k).is_integer() else int(k) for k in kernel)
        check_choice("padding", padding, PADDINGS)
        check_choice("pad_mode", pad_mode, PAD_MODES)
        self.padding = padding
        self.pad_mode = pad_mode
        self.data_format = standardize_data_format(data_format)
        self.pads = blur_pads(len(self.kernel), padding)
        self.box_passes = box_passes(self.kernel)
        self._depthwise_filter = None

    def _check_spatial(self, input_shape) -> None:
        check_rank4(type(self).__name__, input_shape, self.data_format)
        size = len(self.kernel)
        for axis in spatial_axes(self.data_format):
            extent = input_shape[axis]
            if extent is None:
                continue
            if self.padding == "valid" and extent < size:
                raise ValueError(
                    f"Blur with padding='valid' and a kernel of {size} taps needs a spatial "
                    f"size of at least {size}; received an input of shape {tuple(input_shape)}. "
                    f"Use padding='same' or 'full', or a shorter kernel.")
            if self.pad_mode == "reflect" and max(self.pads) >= extent:
                raise ValueError(
                    f"Blur with pad_mode='reflect' pads {max(self.pads)} pixels, which needs a "
                    f"spatial size above {max(self.pads)}; received an input of shape "
                    f"{tuple(input_shape)}. Use pad_mode='symmetric' or 'edge'.")

    def build(self, input_shape):
        self._check_spatial(input_shape)
        channels = input_shape[channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(
                f"Blur needs a known number of channels; received an input of shape "
                f"{tuple(input_shape)}.")
        self._depthwise_filter = np.tile(
            self.filter_2d[:, :, None, None], (1, 1, channels, 1))

    def call(self, inputs):
        self._check_spatial(inputs.shape)
        x = pad_spatial(inputs, (self.pads, self.pads), self.pad_mode,
                        spatial_axes(self.data_format))
        if self.box_passes is not None:
            # Binomial filters as repeated 2x2 average pooling: the same numbers (to float
            # rounding), and pooling's gradient is far cheaper than a depthwise convolution's
            # on CPU (benchmarks/smoothing_cost.py).
            for _ in range(self.box_passes):
                x = ops.average_pool(x, 2, strides=1, padding="valid",
                                     data_format=self.data_format)
            return x
        kernel = ops.convert_to_tensor(self._depthwise_filter, dtype=inputs.dtype)
        return ops.depthwise_conv(x, kernel, strides=1, padding="valid",
                                  data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        self._check_spatial(input_shape)
        shape = list(input_shape)
        grow = sum(self.pads) - (len(self.kernel) - 1)
        for axis in spatial_axes(self.data_format):
            if shape[axis] is not None:
                shape[axis] = shape[axis] + grow
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(kernel=list(self.kernel), padding=self.padding,
                      pad_mode=self.pad_mode, data_format=self.data_format)
        return config
