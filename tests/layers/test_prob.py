import numpy as np
import pytest

from blur_keras.layers import DEFAULT_TEMPERATURES, Prob
from tests.test_case import random_input, run_layer_test, to_numpy


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


FORMULAS = {
    "tanh": lambda x, t, axis: np.maximum(t * np.tanh(x / t), 0),
    "relu6": lambda x, t, axis: np.clip(x, 0, t),
    "sigmoid": lambda x, t, axis: np.maximum(4 * t * (1 / (1 + np.exp(-x / t)) - 0.5), 0),
    "softmax": lambda x, t, axis: np.maximum(t * softmax(x / t, axis), 0),
    "scale": lambda x, t, axis: x / t,
    "relu": lambda x, t, axis: np.maximum(x, 0),
    "identity": lambda x, t, axis: x,
}


@pytest.mark.parametrize("kind", sorted(FORMULAS))
def test_standard_layer_checks(kind, tmp_path):
    run_layer_test(Prob, {"kind": kind}, (2, 5, 5, 3), (2, 5, 5, 3), str(tmp_path))


@pytest.mark.parametrize("kind", sorted(FORMULAS))
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_formula_with_default_temperature(kind, data_format):
    x = random_input((2, 4, 4, 5)) * 20
    axis = -1 if data_format == "channels_last" else 1
    expected = FORMULAS[kind](x.astype("float64"), DEFAULT_TEMPERATURES[kind], axis)
    actual = to_numpy(Prob(kind, data_format=data_format)(x))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["tanh", "relu6", "sigmoid", "softmax", "scale"])
def test_custom_temperature(kind):
    x = random_input((1, 3, 3, 4)) * 10
    expected = FORMULAS[kind](x.astype("float64"), 2.5, -1)
    np.testing.assert_allclose(to_numpy(Prob(kind, 2.5)(x)), expected, rtol=1e-5, atol=1e-5)


def test_reference_defaults():
    assert DEFAULT_TEMPERATURES == {"tanh": 10.0, "relu6": 6.0, "sigmoid": 10.0,
                                    "softmax": 10.0, "scale": 5.0, "relu": None,
                                    "identity": None}
    assert Prob().get_config()["temperature"] == 10.0


def test_tanh_is_bounded_and_gradient_finite():
    import keras
    x = np.array([[-1e4, -1.0, 0.0, 1.0, 1e4]], "float32")
    y = to_numpy(Prob()(x))
    assert y.min() >= 0 and y.max() <= 10
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        v = tf.Variable(x)
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(Prob("sigmoid")(v) + Prob("softmax")(v) + Prob("tanh")(v))
        assert np.all(np.isfinite(tape.gradient(out, v).numpy()))


@pytest.mark.parametrize("kwargs,message", [
    ({"kind": "gelu"}, "Unknown Prob kind"),
    ({"temperature": 0}, "> 0"),
    ({"temperature": -1.0}, "> 0"),
    ({"temperature": float("nan")}, "> 0"),
    ({"temperature": "10"}, "> 0"),
    ({"kind": "relu", "temperature": 3.0}, "has no temperature"),
])
def test_invalid_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Prob(**kwargs)
