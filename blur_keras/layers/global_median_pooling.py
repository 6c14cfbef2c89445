"""`GlobalMedianPooling2D`: the global-median classifier pooling of the paper's ablation."""

from __future__ import annotations

import keras
from keras import ops

from blur_keras.layers.validation import check_rank4, standardize_data_format


@keras.saving.register_keras_serializable(package="blur_keras")
class GlobalMedianPooling2D(keras.layers.Layer):
    """The reference's median of each channel over all `n = height * width` positions.

    The reference takes `torch.topk(x, k=n // 2)` and keeps its last value:
    the `n // 2`-th largest, i.e. the `(n - n // 2 + 1)`-th smallest (index
    `n - n // 2` of the ascending sort). For even `n` that is the upper of the
    two middle values (no averaging); for odd `n` it is one above the true
    median (3x3: the 6th smallest of 9). For `n = 1` the reference fails
    (`k = 0`); here the single value is returned.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        A `(batch, channels)` tensor.

    Example:

    >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    >>> GlobalMedianPooling2D()(x).numpy()
    array([[5.]], dtype=float32)
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)

    def build(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)

    def call(self, inputs):
        if self.data_format == "channels_first":
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
        shape = ops.shape(inputs)
        count = shape[1] * shape[2]
        # Sorted in float32: float16 sorting is not supported by every backend.
        values = ops.sort(ops.reshape(ops.cast(inputs, "float32"), (shape[0], count, shape[3])),
                          axis=1)
        index = count - ops.maximum(count // 2, 1)
        return ops.cast(ops.take(values, index, axis=1), inputs.dtype)

    def compute_output_shape(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return (input_shape[0], channels)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config
