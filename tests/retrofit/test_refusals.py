"""What `retrofit` refuses, each time with one line that says why."""

import pytest
import keras

from blur_keras.retrofit import RetrofitError, retrofit


def refusal(model, **kwargs) -> str:
    with pytest.raises(RetrofitError) as error:
        retrofit(model, **kwargs)
    message = str(error.value)
    assert "\n" not in message, message
    return message


def small_cnn(*middle, input_shape=(16, 16, 3), name="small"):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    for layer in middle:
        x = layer(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x), name=name)


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = keras.layers.Conv2D(4, 3)
        self.pool = keras.layers.GlobalAveragePooling2D()

    def call(self, x):
        return self.pool(self.conv(x))


class FunctionalSubclass(keras.Model):
    """A functional model of a subclass (its own methods would be lost in a rebuild)."""


class Unregistered(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


def test_a_subclassed_model_is_refused():
    model = Subclassed()
    model(keras.ops.zeros((1, 8, 8, 3)))
    assert "is a subclassed Model (Subclassed)" in refusal(model)


def test_a_subclass_of_the_functional_model_is_refused():
    inputs = keras.Input((8, 8, 3))
    model = FunctionalSubclass(inputs, keras.layers.Conv2D(2, 3)(inputs))
    assert "a subclass of the functional Model (FunctionalSubclass)" in refusal(model)


def test_a_nested_subclassed_model_is_refused():
    inner = Subclassed()
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, inner(inputs))
    assert refusal(model).startswith("nested model ")


def test_a_lambda_layer_is_refused():
    message = refusal(small_cnn(keras.layers.Lambda(lambda t: t * 2.0, name="double")))
    assert "layer 'double' (Lambda) cannot be rebuilt from its config in safe mode" in message


def test_an_unregistered_custom_layer_is_refused():
    message = refusal(small_cnn(Unregistered(name="custom")))
    assert "layer 'custom' (Unregistered)" in message
    assert "register_keras_serializable" in message


def test_a_sequential_model_without_input_is_refused():
    model = keras.Sequential([keras.layers.Conv2D(4, 3), keras.layers.GlobalAveragePooling2D()])
    assert "has no input yet" in refusal(model)


def test_unknown_spatial_sizes_are_refused():
    message = refusal(small_cnn(input_shape=(None, None, 3)))
    assert "unknown spatial size" in message and "fixed input shape" in message


def test_a_model_that_never_subsamples_after_its_stem_is_refused():
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, strides=2)(inputs)      # the stem's subsampling only
    model = keras.Model(inputs, keras.layers.Flatten()(keras.layers.Conv2D(4, 3)(x)))
    assert "subsamples nowhere after its stem" in refusal(model)


def test_not_a_model_is_refused():
    assert "received Conv2D" in refusal(keras.layers.Conv2D(4, 3))


@pytest.mark.parametrize("kwargs, match", [
    ({"smoothing": False}, "would insert nothing"),
    ({"smoothing": {"blur": 2}}, r"unknown keys \['blur'\]"),
    ({"smoothing": {"padding": "wide"}}, "Unknown padding 'wide'"),
    ({"smoothing": {"prob": "identity", "temperature": 2.0}}, "has no temperature"),
    ({"smoothing": "tanh"}, "smoothing must be True"),
    ({"mc_dropout": 1.0}, r"mc_dropout must be a rate in \[0, 1\)"),
    ({"mc_dropout": 0.1, "mc_dropout_seed": 1.5}, "mc_dropout_seed must be an integer"),
    ({"smoothing": False, "mc_dropout": 0.1, "stages": [1]}, "it needs smoothing on"),
    ({"stages": [0]}, r"stage numbers of model 'small' \(1: 16x16, 2: 8x8\); received \[0\]"),
])
def test_invalid_options_are_refused_saying_what_is_expected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        retrofit(small_cnn(keras.layers.ReLU()), **kwargs)
