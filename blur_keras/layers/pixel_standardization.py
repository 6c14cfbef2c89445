"""`PixelStandardization`: raw pixels in, the images a network was trained on out."""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

from blur_keras.layers.validation import channel_axis, standardize_data_format


def _numbers(name: str, values, positive: bool) -> list[float]:
    values = [values] if isinstance(values, (int, float)) and not isinstance(values, bool) \
        else values
    if not isinstance(values, (list, tuple)) or not values or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) \
            or (positive and not all(v > 0 for v in values)):
        wanted = "positive numbers" if positive else "numbers"
        raise ValueError(f"PixelStandardization {name} must be a number or a non-empty list of "
                         f"{wanted} (one per channel); received {values!r}.")
    return [float(v) for v in values]


@keras.saving.register_keras_serializable(package="blur_keras")
class PixelStandardization(keras.layers.Layer):
    """Standardises raw pixels per channel: `(x / max_value - mean) / std`.

    The input preprocessing of the zoo's presets as a layer, so that a loaded
    preset takes raw pixels (as `keras.applications` models do with
    `include_preprocessing=True`). It computes exactly what the training and
    evaluation pipelines (`blur_keras.data`) compute, in the layer's compute
    dtype. Inputs are pixels in [0, `max_value`], uint8 or float; images
    already scaled to [0, 1] cannot be told from dark images and give wrong
    predictions.

    Args:
        mean: per-channel mean of the images scaled to [0, 1]: one number per
            channel, or one for all.
        std: per-channel standard deviation of the scaled images, > 0.
        max_value: the value of a white pixel (255 for 8-bit images), > 0.
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        The standardised images, same shape, in the compute dtype.

    Example:

    >>> layer = PixelStandardization(mean=[0.286], std=[0.353])
    >>> white = np.full((1, 2, 2, 1), 255, "uint8")
    >>> round(float(layer(white)[0, 0, 0, 0]), 4)                # (1 - 0.286) / 0.353
    2.0227
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float],
                 max_value: float = 255.0, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.mean = _numbers("mean", mean, positive=False)
        self.std = _numbers("std", std, positive=True)
        self.max_value = _numbers("max_value", max_value, positive=True)[0]
        if len(self.mean) != len(self.std):
            raise ValueError(f"PixelStandardization mean and std must have one value per channel "
                             f"each; received {len(self.mean)} means and {len(self.std)} stds.")
        self.data_format = standardize_data_format(data_format)

    def build(self, input_shape):
        channels = input_shape[channel_axis(self.data_format)] if len(input_shape) > 1 else None
        if len(self.mean) > 1 and channels is not None and channels != len(self.mean):
            raise ValueError(f"PixelStandardization has statistics for {len(self.mean)} channels; "
                             f"received an input of shape {tuple(input_shape)} "
                             f"({self.data_format}).")

    def _per_channel(self, values, rank: int):
        shape = [1] * rank
        shape[channel_axis(self.data_format)] = len(values)
        return ops.reshape(ops.convert_to_tensor(values, self.compute_dtype), shape)

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        rank = len(x.shape)
        x = x / ops.convert_to_tensor(self.max_value, self.compute_dtype)
        return (x - self._per_channel(self.mean, rank)) / self._per_channel(self.std, rank)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(mean=self.mean, std=self.std, max_value=self.max_value,
                      data_format=self.data_format)
        return config
