"""`SpatialSmoothing`: Prob followed by Blur in one layer."""

from __future__ import annotations

from typing import Sequence

import keras

from blur_keras.layers.blur import Blur
from blur_keras.layers.prob import Prob


@keras.saving.register_keras_serializable(package="blur_keras")
class SpatialSmoothing(keras.layers.Layer):
    """Spatial smoothing `Blur(Prob(x))` (Park & Kim, ICML 2022).

    Placed at the end of every stage of a CNN, right before each subsampling,
    it averages neighbouring feature-map points and so acts like an ensemble.

    Args:
        prob: the `Prob` kind (`"tanh"`, `"relu6"`, `"sigmoid"`, `"softmax"`,
            `"scale"`, `"relu"`, `"identity"`), or `None` for Blur alone.
        temperature: the Prob temperature; `None` takes the kind's default.
        kernel: 1-D blur taps, e.g. `(1, 1)` (2x2 box) or `(1, 2, 1)`.
        padding: `"same"`, `"full"` or `"valid"`, as in `Blur`.
        pad_mode: `"constant"`, `"reflect"`, `"symmetric"` or `"edge"`.
        data_format: `"channels_last"` or `"channels_first"`; `None` takes
            `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        A tensor of the input's dtype, spatial size changed as in `Blur`.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((28, 28, 1)),
    ...     keras.layers.Conv2D(16, 3, padding="same"),
    ...     SpatialSmoothing(),            # tanh, t=10, 2x2 box blur
    ...     keras.layers.MaxPooling2D(),
    ... ])
    >>> model.output_shape
    (None, 14, 14, 16)
    """

    def __init__(self, prob: str | None = "tanh", temperature: float | None = None,
                 kernel: Sequence[float] = (1, 1), padding: str = "same",
                 pad_mode: str = "constant", data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if prob is None and temperature is not None:
            raise ValueError(
                f"SpatialSmoothing with prob=None (Blur alone) takes no temperature; "
                f"received temperature={temperature!r}.")
        self.blur = Blur(kernel=kernel, padding=padding, pad_mode=pad_mode,
                         data_format=data_format, dtype=self.dtype_policy, name="blur")
        self.prob = None if prob is None else Prob(
            prob, temperature, data_format=self.blur.data_format,
            dtype=self.dtype_policy, name="prob")

    def build(self, input_shape):
        self.blur.build(input_shape)
        if self.prob is not None:
            self.prob.build(input_shape)

    def call(self, inputs):
        x = inputs if self.prob is None else self.prob(inputs)
        return self.blur(x)

    def compute_output_shape(self, input_shape):
        return self.blur.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            prob=None if self.prob is None else self.prob.kind,
            temperature=None if self.prob is None else self.prob.temperature,
            kernel=list(self.blur.kernel), padding=self.blur.padding,
            pad_mode=self.blur.pad_mode, data_format=self.blur.data_format)
        return config
