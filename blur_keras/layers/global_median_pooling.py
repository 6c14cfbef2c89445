"""`GlobalMedianPooling2D`: the global-median classifier pooling of the paper's ablation."""

from __future__ import annotations

import keras
from keras import ops

from blur_keras.layers.validation import check_rank4, spatial_axes, standardize_data_format


@keras.saving.register_keras_serializable(package="blur_keras")
class GlobalMedianPooling2D(keras.layers.Layer):
    """Median of each channel over all spatial positions.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        A `(batch, channels)` tensor.

    Example:

    >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    >>> GlobalMedianPooling2D()(x).numpy()
    array([[4.]], dtype=float32)
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)

    def build(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)

    def call(self, inputs):
        axes = spatial_axes(self.data_format)
        # The median is computed in float32: float16 quantiles are not
        # supported by every backend.
        median = ops.median(ops.cast(inputs, "float32"), axis=axes)
        return ops.cast(median, inputs.dtype)

    def compute_output_shape(self, input_shape):
        check_rank4(type(self).__name__, input_shape, self.data_format)
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return (input_shape[0], channels)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config
