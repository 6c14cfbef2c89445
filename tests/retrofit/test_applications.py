"""`retrofit` on `keras.applications` CNNs (built with `weights=None`: nothing is downloaded).

Each is built at 64x64 (every one accepts it; its last stage is then 2x2, so
the global pooling of the head subsamples too) with 10 classes and logits
out. The heaviest round trips are marked `slow`.
"""

import functools

import numpy as np
import pytest
import keras

import blur_keras
from blur_keras.retrofit import RetrofitError, describe, retrofit
from tests.test_case import deterministic_outputs, random_input, run_model_saving_test, to_numpy

IDENTITY = {"prob": "identity", "kernel": (1,)}

#: name -> the layers whose outputs are smoothed (None: an automatically named `keras.ops`
#: call, whose name depends on what else the session built), MC dropout layers.
EXPECTED = {
    "ResNet50": (["conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out"],
                 16),
    # The strided block is the last of its stage: its input is the stage end.
    "ResNet50V2": (["conv2_block2_out", "conv3_block3_out", "conv4_block5_out", "post_relu"], 16),
    # No merges: MC dropout after every convolution (and before the smoothing).
    "VGG16": (["block1_conv2_mc_dropout", "block2_conv2_mc_dropout", "block3_conv3_mc_dropout",
               "block4_conv3_mc_dropout", "block5_conv3_mc_dropout"], 13),
    "MobileNetV2": (["block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu",
                     "block_13_expand_relu", "out_relu"], 10),
    # The squeeze-and-excitation poolings are gates, not subsamplings.
    "EfficientNetB0": (["block2a_expand_activation", "block3a_expand_activation",
                        "block4a_expand_activation", "block6a_expand_activation",
                        "top_activation"], 9),
    "DenseNet121": (["pool2_conv", "pool3_conv", "pool4_conv", "relu"], 58),
    # Downsampling blocks are nested Sequential models (inlined); the stem's is excepted.
    "ConvNeXtTiny": (["convnext_tiny_downsampling_layernorm_0",
                      "convnext_tiny_downsampling_layernorm_1",
                      "convnext_tiny_downsampling_layernorm_2", None], 18),
}
SLOW = ("DenseNet121", "ConvNeXtTiny")
NAMES = [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in EXPECTED]


@functools.cache
def application(name: str) -> keras.Model:
    keras.utils.set_random_seed(0)
    return getattr(keras.applications, name)(weights=None, input_shape=(64, 64, 3), classes=10,
                                             classifier_activation=None)


@pytest.fixture(scope="module", autouse=True)
def _forget_the_models():
    yield
    application.cache_clear()


def images():
    return random_input((2, 64, 64, 3)) * 40 + 120     # pixel-like values


def assert_same_outputs(actual, expected):
    """Equal to float rounding, relative to the outputs' scale (untrained logits are tiny)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("name", NAMES)
def test_identity_configuration_gives_the_original_outputs(name):
    model = application(name)
    x = images()
    identity = retrofit(model, IDENTITY)
    expected = to_numpy(model(x))
    assert np.abs(expected).max() > 0
    assert_same_outputs(to_numpy(identity(x)), expected)
    assert len(identity.weights) == len(model.weights)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_retrofit_places_smoothing_and_mc_dropout_and_survives_a_safe_mode_round_trip(
        name, tmp_path):
    model = application(name)
    expected_after, dropout_layers = EXPECTED[name]
    retrofitted = retrofit(model, mc_dropout=0.1, mc_dropout_seed=0)
    entries = describe(retrofitted)
    smoothing = [entry for entry in entries if entry["kind"] == "smoothing"]
    assert [entry["stage"] for entry in smoothing] == list(range(1, len(expected_after) + 1))
    assert [entry["after"] if want else None for entry, want in zip(smoothing, expected_after)] \
        == expected_after
    assert len(entries) - len(smoothing) == dropout_layers
    x = images()
    original = to_numpy(model(x))
    changed = np.abs(deterministic_outputs(retrofitted, x) - original).max()
    assert changed > 1e-3 * np.abs(original).max()
    restored = run_model_saving_test(retrofitted, x, str(tmp_path))
    assert_same_outputs(deterministic_outputs(restored, x), deterministic_outputs(retrofitted, x))
    assert describe(restored) == entries
    probs = blur_keras.predict_proba(restored, x, num_samples=2)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)


def test_reference_padding_that_breaks_vgg16s_flatten_dense_head_is_refused():
    """At 48x48 the last stage is 3x3: "full" padding makes it 4x4, then 2x2 into Flatten."""
    model = keras.applications.VGG16(weights=None, input_shape=(48, 48, 3), classes=10)
    with pytest.raises(RetrofitError) as error:
        retrofit(model, {"padding": "reference"})
    assert str(error.value) == (
        "layer 'fc1' would need weights of shapes [(2048, 4096), (4096,)] instead of its "
        "[(512, 4096), (4096,)]. Smoothing with padding 'full' changes the spatial size of every "
        "smoothed map; use padding 'same' (size-preserving) for this model.")
    retrofit(model)       # size-preserving padding: fine


def test_reference_padding_keeps_resnet50_working():
    """Its strided 1x1 convolutions and shortcut see one more pixel and still agree."""
    retrofitted = retrofit(application("ResNet50"), {"padding": "reference"})
    assert retrofitted.get_layer("conv2_block3_out_smoothing").output.shape == (None, 17, 17, 256)
    assert retrofitted.output.shape == (None, 10)
