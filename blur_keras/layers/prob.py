"""`Prob`: squashes features to bounded, non-negative "probability-like" values."""

from __future__ import annotations

import keras
from keras import ops

from blur_keras.layers.validation import channel_axis, check_choice, standardize_data_format

#: Reference temperature of each kind (Park & Kim 2022); `None`: the kind has none.
DEFAULT_TEMPERATURES = {
    "tanh": 10.0,
    "relu6": 6.0,
    "sigmoid": 10.0,
    "softmax": 10.0,
    "scale": 5.0,
    "relu": None,
    "identity": None,
}
PROB_KINDS = tuple(DEFAULT_TEMPERATURES)


def resolve_temperature(kind: str, temperature: float | None) -> float | None:
    """Validates `kind` and `temperature`; returns the temperature to use."""
    check_choice("Prob kind", kind, PROB_KINDS)
    default = DEFAULT_TEMPERATURES[kind]
    if default is None:
        if temperature is not None:
            raise ValueError(
                f"Prob kind {kind!r} has no temperature; received temperature={temperature!r}. "
                f"Leave it None, or use one of the kinds "
                f"{[k for k, t in DEFAULT_TEMPERATURES.items() if t is not None]}.")
        return None
    if temperature is None:
        return default
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not temperature > 0 or temperature == float("inf"):
        raise ValueError(
            f"Prob temperature must be a finite number > 0; received {temperature!r}.")
    return float(temperature)


def apply_prob(x, kind: str, temperature: float | None, axis: int):
    """Applies the Prob function `kind` with `temperature` to `x`."""
    t = temperature
    if kind == "tanh":
        return ops.relu(t * ops.tanh(x / t))
    if kind == "relu6":
        return ops.clip(x, 0.0, t)
    if kind == "sigmoid":
        return ops.relu(4.0 * t * (ops.sigmoid(x / t) - 0.5))
    if kind == "softmax":
        return ops.relu(t * ops.softmax(x / t, axis=axis))
    if kind == "scale":
        return x / t
    if kind == "relu":
        return ops.relu(x)
    return x


@keras.saving.register_keras_serializable(package="blur_keras")
class Prob(keras.layers.Layer):
    """Maps each feature to a bounded value, the first half of spatial smoothing.

    | kind | function | default t |
    |---|---|---|
    | `"tanh"` | `relu(t * tanh(x / t))` | 10 |
    | `"relu6"` | `clip(x, 0, t)` | 6 |
    | `"sigmoid"` | `relu(4t * (sigmoid(x / t) - 0.5))` | 10 |
    | `"softmax"` | `relu(t * softmax(x / t))` over channels | 10 |
    | `"scale"` | `x / t` | 5 |
    | `"relu"` | `relu(x)` | - |
    | `"identity"` | `x` | - |

    Args:
        kind: one of the kinds above.
        temperature: `t`; `None` takes the kind's reference default. Must be
            `None` for `"relu"` and `"identity"`.
        data_format: where the channels are (used by `"softmax"`);
            `None` takes `keras.config.image_data_format()`.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        A tensor of the input's shape and dtype.

    Example:

    >>> keras.ops.convert_to_numpy(Prob()(np.array([[-5.0, 0.0, 100.0]])))
    array([[ 0.,  0., 10.]], dtype=float32)
    """

    def __init__(self, kind: str = "tanh", temperature: float | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.temperature = resolve_temperature(kind, temperature)
        self.kind = kind
        self.data_format = standardize_data_format(data_format)

    def call(self, inputs):
        axis = channel_axis(self.data_format) if len(inputs.shape) == 4 else -1
        return apply_prob(inputs, self.kind, self.temperature, axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(kind=self.kind, temperature=self.temperature,
                      data_format=self.data_format)
        return config
