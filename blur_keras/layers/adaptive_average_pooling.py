"""`AdaptiveAveragePooling2D` with PyTorch's bins, including output larger than input."""

from __future__ import annotations

import numpy as np
import keras
from keras import ops

from blur_keras.layers.validation import check_rank4, spatial_axes, standardize_data_format


def adaptive_pooling_matrix(in_size: int, out_size: int) -> np.ndarray:
    """`(out_size, in_size)` averaging matrix of PyTorch's adaptive average pooling.

    Output bin `i` averages inputs `floor(i * in / out)` to
    `ceil((i + 1) * in / out) - 1`; when `out > in` inputs are repeated.
    """
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    for i in range(out_size):
        start = (i * in_size) // out_size
        end = -((-(i + 1) * in_size) // out_size)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


@keras.saving.register_keras_serializable(package="blur_keras")
class AdaptiveAveragePooling2D(keras.layers.Layer):
    """Average pooling to a fixed output grid, exactly as PyTorch's `AdaptiveAvgPool2d`.

    Unlike `keras.layers.AdaptiveAveragePooling2D` it also handles an output
    larger than the input (VGG's 7x7 head on the 1x1 map of a 32x32 image
    repeats the input). The spatial size must be known when the layer is built.

    Args:
        output_size: int or `(height, width)` of the output grid.
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        A tensor with spatial size `output_size`.

    Example:

    >>> x = np.ones((1, 1, 1, 2), "float32")
    >>> AdaptiveAveragePooling2D(7)(x).shape
    (1, 7, 7, 2)
    """

    def __init__(self, output_size, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
        if len(size) != 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                 for s in size):
            raise ValueError(
                f"output_size must be a positive int or (height, width); received {output_size!r}.")
        self.output_size = size
        self.data_format = standardize_data_format(data_format)
        self._matrices = None

    def build(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)
        sizes = [input_shape[axis] for axis in spatial_axes(self.data_format)]
        if None in sizes:
            raise ValueError(
                f"AdaptiveAveragePooling2D needs a known spatial size; received an input of "
                f"shape {tuple(input_shape)}.")
        self._matrices = [adaptive_pooling_matrix(n, m) for n, m in zip(sizes, self.output_size)]

    def call(self, inputs):
        rows, cols = (ops.convert_to_tensor(m, dtype=inputs.dtype) for m in self._matrices)
        if self.data_format == "channels_last":
            return ops.einsum("oh,bhwc,pw->bopc", rows, inputs, cols)
        return ops.einsum("oh,bchw,pw->bcop", rows, inputs, cols)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(spatial_axes(self.data_format), self.output_size):
            shape[axis] = size
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(output_size=list(self.output_size), data_format=self.data_format)
        return config
