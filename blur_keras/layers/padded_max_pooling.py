"""`PaddedMaxPooling2D`: max pooling with PyTorch's symmetric `-inf` padding."""

from __future__ import annotations

import keras
from keras import ops

from blur_keras.layers.validation import check_rank4, spatial_axes, standardize_data_format


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; received {value!r}.")
    return value


@keras.saving.register_keras_serializable(package="blur_keras")
class PaddedMaxPooling2D(keras.layers.Layer):
    """Max pooling over a map padded by `padding` on every side, as PyTorch's `MaxPool2d`.

    PyTorch pads max pooling with `-inf`, so a padded position never wins a
    window. Zero padding differs as soon as a border window holds only
    negative values (a max pool right after a convolution, as in the
    pre-activation ResNet's ImageNet stem), and Keras' `"same"` padding pads
    asymmetrically. The output size is PyTorch's
    `floor((size + 2 * padding - pool_size) / strides) + 1`.

    Args:
        pool_size: side of the square pooling window.
        strides: step of the window.
        padding: `-inf` rows/columns added on every side; at most
            `pool_size // 2`, as PyTorch requires.
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        The pooled tensor.

    Example:

    >>> x = -np.arange(1, 5, dtype="float32").reshape(1, 2, 2, 1)
    >>> PaddedMaxPooling2D(3, 2, 1)(x).numpy().ravel()
    array([-1.], dtype=float32)
    """

    def __init__(self, pool_size: int, strides: int, padding: int = 0,
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _positive_int("pool_size", pool_size)
        self.strides = _positive_int("strides", strides)
        if isinstance(padding, bool) or not isinstance(padding, int) \
                or not 0 <= padding <= pool_size // 2:
            raise ValueError(
                f"padding must be an integer in [0, pool_size // 2 = {pool_size // 2}]; "
                f"received {padding!r}.")
        self.padding = padding
        self.data_format = standardize_data_format(data_format)

    def build(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)

    def call(self, inputs):
        if self.padding:
            width = [(0, 0)] * 4
            for axis in spatial_axes(self.data_format):
                width[axis] = (self.padding, self.padding)
            inputs = ops.pad(inputs, width, mode="constant", constant_values=float("-inf"))
        return ops.max_pool(inputs, self.pool_size, self.strides, padding="valid",
                            data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)
        shape = list(input_shape)
        for axis in spatial_axes(self.data_format):
            if shape[axis] is not None:
                shape[axis] = (shape[axis] + 2 * self.padding - self.pool_size) // self.strides + 1
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format)
        return config
