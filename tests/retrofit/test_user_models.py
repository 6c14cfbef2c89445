"""`retrofit` on a user's models: branches, shared layers, Sequential and nested models."""

import numpy as np
import pytest
import keras

import blur_keras
from blur_keras.layers import SpatialSmoothing
from blur_keras.retrofit import describe, retrofit
from tests.test_case import deterministic_outputs, random_input, run_model_saving_test, to_numpy

IDENTITY = {"prob": "identity", "kernel": (1,)}


def branchy_model():
    """Two branches through one shared convolution; one tensor subsampled twice."""
    inputs = keras.Input((16, 16, 3), name="image")
    x = keras.layers.ReLU(name="r1")(keras.layers.Conv2D(8, 3, padding="same", name="c1")(inputs))
    shared = keras.layers.Conv2D(8, 3, padding="same", name="shared")
    a = shared(x)
    b = shared(keras.layers.Conv2D(8, 1, name="c2")(x))
    x = keras.layers.ReLU(name="r2")(keras.layers.Add(name="add")([a, b]))
    pooled = keras.layers.MaxPooling2D(name="pool")(x)
    strided = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="strided")(x)
    x = keras.layers.Concatenate(name="cat")([pooled, strided])
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inputs, keras.layers.Dense(3, name="logits")(x), name="branchy")


def test_a_tensor_subsampled_by_two_branches_gets_one_smoothing_and_shared_layers_stay_shared(
        tmp_path):
    model = branchy_model()
    x = random_input((2, 16, 16, 3))
    np.testing.assert_allclose(to_numpy(retrofit(model, IDENTITY)(x)), to_numpy(model(x)),
                               rtol=1e-6, atol=1e-6)
    retrofitted = retrofit(model, mc_dropout=0.2, mc_dropout_seed=0)
    entries = describe(retrofitted)
    assert [(e["kind"], e["after"], e["before"]) for e in entries] == [
        ("mc_dropout", "c2", ["shared"]),      # the branch's last weight layer, its second call
        ("smoothing", "r2", ["pool", "strided"]),
        ("smoothing", "cat", ["gap"])]
    assert [e["stage"] for e in entries if e["kind"] == "smoothing"] == [1, 2]
    shared = retrofitted.get_layer("shared")
    assert len(shared._inbound_nodes) == 2
    assert sum(layer.name == "shared" for layer in retrofitted.layers) == 1
    np.testing.assert_array_equal(to_numpy(shared.kernel),
                                  to_numpy(model.get_layer("shared").kernel))
    restored = run_model_saving_test(retrofitted, x, str(tmp_path))
    assert len(restored.get_layer("shared")._inbound_nodes) == 2
    assert describe(restored) == entries


def test_a_sequential_model_gives_a_sequential_model(tmp_path):
    model = keras.Sequential([
        keras.Input((16, 16, 3)), keras.layers.Conv2D(8, 3, padding="same", name="c1"),
        keras.layers.BatchNormalization(name="bn1"), keras.layers.ReLU(name="r1"),
        keras.layers.MaxPooling2D(name="pool"),
        keras.layers.Conv2D(8, 3, padding="same", name="c2"), keras.layers.ReLU(name="r2"),
        keras.layers.GlobalAveragePooling2D(name="gap"),
        keras.layers.Dense(3, name="logits")], name="plain")
    x = random_input((2, 16, 16, 3))
    np.testing.assert_allclose(to_numpy(retrofit(model, IDENTITY)(x)), to_numpy(model(x)),
                               rtol=1e-6, atol=1e-6)
    retrofitted = retrofit(model, mc_dropout=0.1)
    assert isinstance(retrofitted, keras.Sequential)
    assert [layer.name for layer in retrofitted.layers] == [
        "c1", "bn1", "r1", "r1_mc_dropout", "r1_smoothing", "pool", "c2", "r2", "r2_mc_dropout",
        "r2_smoothing", "gap", "logits"]
    restored = run_model_saving_test(retrofitted, x, str(tmp_path))
    assert isinstance(restored, keras.Sequential) and describe(restored) == describe(retrofitted)


def test_a_backbone_nested_in_a_sequential_model_is_inlined():
    backbone = keras.applications.MobileNetV2(input_shape=(64, 64, 3), alpha=0.35,
                                              include_top=False, weights=None)
    model = keras.Sequential([keras.Input((64, 64, 3)), backbone,
                              keras.layers.GlobalAveragePooling2D(name="gap"),
                              keras.layers.Dense(3, name="logits")])
    x = random_input((2, 64, 64, 3))
    np.testing.assert_allclose(to_numpy(retrofit(model, IDENTITY)(x)), to_numpy(model(x)),
                               rtol=1e-5, atol=1e-5)
    retrofitted = retrofit(model)
    assert not isinstance(retrofitted, keras.Sequential)
    last = describe(retrofitted)[-1]
    assert (last["after"], last["before"], last["stage"]) == ("out_relu", ["gap"], 5)


def test_a_nested_model_called_with_training_false_keeps_it():
    """The transfer-learning idiom `base(x, training=False)`: its BN stays in inference mode."""
    backbone = keras.Sequential([
        keras.Input((16, 16, 3)), keras.layers.Conv2D(8, 3, padding="same"),
        keras.layers.BatchNormalization(), keras.layers.ReLU(), keras.layers.MaxPooling2D()],
        name="backbone")
    backbone.layers[1].moving_mean.assign(np.full((8,), 0.5, "float32"))
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.GlobalAveragePooling2D()(backbone(inputs, training=False))
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    x = random_input((4, 16, 16, 3))
    identity = retrofit(model, IDENTITY)
    np.testing.assert_allclose(to_numpy(identity(x, training=True)),
                               to_numpy(model(x, training=True)), rtol=1e-5, atol=1e-5)


def test_a_zoo_preset_nested_in_a_functional_model_is_retrofitted():
    from blur_keras import zoo
    preset = zoo.load("resnet_dnn_18.fmnist_w16", compile=False)
    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, keras.layers.Softmax()(preset(inputs)))
    x = random_input((2, 28, 28, 1))
    np.testing.assert_allclose(to_numpy(retrofit(model, IDENTITY)(x)), to_numpy(model(x)),
                               rtol=1e-6, atol=1e-6)
    retrofitted = retrofit(model)
    assert sum(isinstance(layer, SpatialSmoothing) for layer in retrofitted.layers) == 4
    probs = blur_keras.predict_proba(retrofitted, x, num_samples=1)
    np.testing.assert_allclose(probs, deterministic_outputs(retrofitted, x), rtol=1e-5, atol=1e-6)


def test_channels_first_layers_are_smoothed_over_their_spatial_axes():
    """The layers' own data format decides (Keras' global one stays channels_last here)."""
    fmt = {"data_format": "channels_first"}
    model = keras.Sequential([
        keras.Input((3, 16, 16)), keras.layers.Conv2D(4, 3, padding="same", **fmt),
        keras.layers.ReLU(name="relu"), keras.layers.MaxPooling2D(**fmt),
        keras.layers.GlobalAveragePooling2D(**fmt), keras.layers.Dense(3)])
    x = random_input((2, 3, 16, 16))
    np.testing.assert_allclose(to_numpy(retrofit(model, IDENTITY)(x)), to_numpy(model(x)),
                               rtol=1e-6, atol=1e-6)
    retrofitted = retrofit(model, {"padding": "full"})
    assert [(e["input_shape"], e["stage"]) for e in describe(retrofitted)] == [
        ([4, 16, 16], 1), ([4, 8, 8], 2)]
    assert {layer.blur.data_format for layer in retrofitted.layers
            if isinstance(layer, SpatialSmoothing)} == {"channels_first"}
    assert retrofitted.get_layer("relu_smoothing").output.shape == (None, 4, 17, 17)


@pytest.mark.parametrize("padding", ["full", "reference"])
def test_full_padding_that_would_break_a_flatten_dense_head_is_refused(padding):
    model = keras.Sequential([
        keras.Input((6, 6, 3)), keras.layers.Conv2D(4, 3, padding="same", name="c1"),
        keras.layers.MaxPooling2D(name="pool1"), keras.layers.Conv2D(4, 3, padding="same"),
        keras.layers.MaxPooling2D(name="pool2"), keras.layers.Flatten(),
        keras.layers.Dense(3, name="logits")])
    from blur_keras.retrofit import RetrofitError
    with pytest.raises(RetrofitError) as error:
        retrofit(model, {"padding": padding})
    message = str(error.value)
    assert "\n" not in message
    assert "'logits'" in message and "use padding 'same'" in message
    retrofit(model)        # size-preserving: fine


def test_a_mixed_precision_model_gets_mixed_precision_smoothing_and_dropout():
    keras.config.set_dtype_policy("mixed_float16")
    model = keras.Sequential([
        keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3, padding="same"),
        keras.layers.ReLU(), keras.layers.MaxPooling2D(), keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, dtype="float32")])
    keras.config.set_dtype_policy("float32")
    retrofitted = retrofit(model, mc_dropout=0.1)
    inserted = [layer for layer in retrofitted.layers if "_smoothing" in layer.name
                or "_mc_dropout" in layer.name]
    assert len(inserted) == 3
    assert {layer.dtype_policy.name for layer in inserted} == {"mixed_float16"}
    output = retrofitted(random_input((2, 16, 16, 3)))
    assert keras.backend.standardize_dtype(output.dtype) == "float32"


def test_inlined_layers_whose_names_clash_are_renamed_after_their_model():
    inner = keras.Sequential([keras.Input((16, 16, 4)),
                              keras.layers.Conv2D(4, 3, padding="same", name="conv"),
                              keras.layers.MaxPooling2D(name="pool")], name="inner")
    inputs = keras.Input((16, 16, 3), name="image")
    x = inner(keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs))
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, name="logits")(x))
    x = random_input((2, 16, 16, 3))
    identity = retrofit(model, IDENTITY)
    np.testing.assert_allclose(to_numpy(identity(x)), to_numpy(model(x)), rtol=1e-6, atol=1e-6)
    assert [layer.name for layer in identity.layers] == [
        "image", "conv", "inner_conv", "inner_conv_smoothing", "pool", "pool_smoothing",
        "gap", "logits"]
