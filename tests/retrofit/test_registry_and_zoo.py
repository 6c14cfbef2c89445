"""`retrofit` on the registry's models and a shipped zoo preset."""

import numpy as np
import pytest

import blur_keras
import blur_keras.models as models
from blur_keras.layers import set_monte_carlo
from blur_keras.retrofit import RetrofitError, describe, retrofit
from tests.test_case import (
    deterministic_outputs, random_input, run_model_saving_test, run_training_step_test, to_numpy)

#: No Prob, no blur: a retrofit with it must give the original's outputs.
IDENTITY = {"prob": "identity", "kernel": (1,)}


def _smoothing(model):
    return [(entry["stage"], entry["after"], entry["before"])
            for entry in describe(model) if entry["kind"] == "smoothing"]


@pytest.mark.parametrize("name, width, rate", [
    ("resnet_dnn_18", 4, 0.3), ("vgg_dnn_11", 4, 0.3),
    *(pytest.param(*case, marks=pytest.mark.slow)           # 50 layers deep: 6-7 s each
      for case in (("resnet_dnn_50", 4, 0.3), ("resnext_dnn_50", 16, 0.3),
                   ("wideresnet_dnn_50", 4, 0.3)))])
def test_retrofit_rebuilds_the_builders_mcdo_smoothing_variant_exactly(name, width, rate):
    """Reference padding and the protocol's rate: the builder's own smoothing + MC dropout model.

    The same weights, the same MC dropout seeds: with MC dropout *on*, equal
    outputs mean every smoothing and every dropout layer sits where the
    builder puts it (ResNet-50's bottleneck, strided in its 3x3 convolution,
    included: its stage end is the block input).
    """
    built = models.get(name.replace("_dnn_", "_mcdo_smoothing_"), width=width, mc_dropout=rate,
                       mc_dropout_seed=7)
    plain = models.get(name, width=width)
    plain.set_weights(built.get_weights())
    retrofitted = retrofit(plain, {"padding": "reference"}, mc_dropout=rate, mc_dropout_seed=7)
    x = random_input((2, 32, 32, 3))
    expected = to_numpy(built(x))     # the first call of each: the same masks if the same seeds
    # Untrained logits can be ~1e-4 (VGG at width 4): tolerances scale with the outputs.
    scale = np.abs(expected).max()
    np.testing.assert_allclose(to_numpy(retrofitted(x)), expected, rtol=1e-5, atol=1e-5 * scale)
    other_seeds = retrofit(plain, {"padding": "reference"}, mc_dropout=rate, mc_dropout_seed=8)
    assert not np.allclose(to_numpy(other_seeds(x)), expected, rtol=0, atol=1e-2 * scale)
    kinds = [entry["kind"] for entry in describe(retrofitted)]
    assert kinds.count("smoothing") == (5 if name.startswith("vgg") else 4)
    assert kinds.count("mc_dropout") == len(describe(built)) - kinds.count("smoothing")


def test_the_smoothing_of_a_resnet_sits_on_the_stage_outputs():
    model = retrofit(models.get("resnet_dnn_18", width=4))
    assert _smoothing(model) == [
        (1, "stage1_block2_out", ["stage2_block1_conv1_pad", "stage2_block1_shortcut_conv"]),
        (2, "stage2_block2_out", ["stage3_block1_conv1_pad", "stage3_block1_shortcut_conv"]),
        (3, "stage3_block2_out", ["stage4_block1_conv1_pad", "stage4_block1_shortcut_conv"]),
        (4, "stage4_block2_out", ["head_gap"])]
    assert [entry["layer"] for entry in describe(model)][0] == "stage1_block2_out_smoothing"


def test_preact_resnet_and_alexnet_placements_are_the_documented_ones():
    """Where the rule differs from those builders (README, Retrofit): pinned here."""
    preact = retrofit(models.get("preresnet_dnn_18", width=4))
    assert [(stage, after) for stage, after, _ in _smoothing(preact)] == [
        (1, "stage2_block1_pre1_relu"), (2, "stage3_block1_pre1_relu"),
        (3, "stage4_block1_pre1_relu"), (4, "head_pre_relu")]
    alexnet = retrofit(models.get("alexnet_dnn", width=8))     # conv1 + pool1 are the stem
    assert _smoothing(alexnet) == [(1, "conv2_relu", ["stage2_pool"]),
                                   (2, "conv5_relu", ["head_pool"])]


@pytest.mark.parametrize("name, width", [
    ("resnet_dnn_18", 4), ("preresnet_dnn_18", 4), ("vgg_dnn_11", 4), ("alexnet_dnn", 8)])
def test_identity_configuration_keeps_the_outputs_and_the_round_trip_keeps_everything(
        name, width, tmp_path):
    model = models.get(name, width=width)
    x = random_input((2, 32, 32, 3))
    identity = retrofit(model, IDENTITY)
    np.testing.assert_allclose(to_numpy(identity(x)), to_numpy(model(x)), rtol=1e-6, atol=1e-6)
    retrofitted = retrofit(model, mc_dropout=0.1, mc_dropout_seed=0)
    assert not np.allclose(deterministic_outputs(retrofitted, x), to_numpy(model(x)), atol=1e-4)
    restored = run_model_saving_test(retrofitted, x, str(tmp_path))
    assert describe(restored) == describe(retrofitted)
    probs = blur_keras.predict_proba(restored, x, num_samples=3)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)


def test_stages_choose_the_stage_ends_and_invalid_ones_are_listed():
    model = models.get("resnet_dnn_18", width=4)
    assert [stage for stage, _, _ in _smoothing(retrofit(model, stages=[2, 4]))] == [2, 4]
    with pytest.raises(ValueError, match=r"stage numbers of model 'resnet_dnn_18' \(1: 32x32, "
                                         r"2: 16x16, 3: 8x8, 4: 4x4\); received \[5\]"):
        retrofit(model, stages=[5])


def test_options_reach_every_smoothing_layer():
    model = retrofit(models.get("resnet_dnn_18", width=4),
                     {"prob": "relu6", "kernel": (1, 2, 1), "padding": "reference",
                      "pad_mode": "edge"})
    entries = [entry for entry in describe(model) if entry["kind"] == "smoothing"]
    assert {(e["prob"], e["temperature"], tuple(e["kernel"]), e["padding"], e["pad_mode"])
            for e in entries} == {("relu6", 6.0, (1, 2, 1), "same", "edge")}
    default = describe(retrofit(models.get("resnet_dnn_18", width=4)))[0]
    assert (default["prob"], default["temperature"], default["kernel"], default["padding"]) == (
        "tanh", 10.0, [1, 1], "same")
    blur_only = describe(retrofit(models.get("resnet_dnn_18", width=4), {"prob": None}))[0]
    assert (blur_only["prob"], blur_only["temperature"]) == (None, None)


def test_a_model_that_already_smooths_takes_mc_dropout_only():
    model = models.get("resnet_dnn_smoothing_18", width=4)
    with pytest.raises(RetrofitError, match="already smooths .*stage1_smooth.*smoothing=False"):
        retrofit(model)
    dropped = retrofit(model, smoothing=False, mc_dropout=0.3)
    kinds = [entry["kind"] for entry in describe(dropped)]
    assert kinds.count("smoothing") == 4 and kinds.count("mc_dropout") == 8
    with pytest.raises(RetrofitError, match="already has MC dropout .*mc_dropout=0"):
        retrofit(dropped, smoothing=False, mc_dropout=0.1)


def test_the_original_model_is_left_untouched():
    model = models.get("resnet_dnn_18", width=4)
    before = [w.copy() for w in model.get_weights()]
    layers = list(model.layers)
    retrofitted = retrofit(model, mc_dropout=0.1)
    retrofitted.get_layer("stage1_block1_conv1").kernel.assign(
        np.zeros(retrofitted.get_layer("stage1_block1_conv1").kernel.shape))
    assert model.layers == layers
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert not set(map(id, retrofitted.layers)) & set(map(id, model.layers))


def test_a_shipped_zoo_preset_is_retrofitted_with_its_trained_weights(tmp_path):
    from blur_keras import zoo
    preset = zoo.load("resnet_dnn_18.fmnist_w16", compile=False)
    x = random_input((4, 28, 28, 1))
    identity = retrofit(preset, IDENTITY)
    np.testing.assert_allclose(to_numpy(identity(x)), to_numpy(preset(x)), rtol=1e-6, atol=1e-6)
    retrofitted = retrofit(preset, mc_dropout=0.3, mc_dropout_seed=0)
    assert [stage for stage, _, _ in _smoothing(retrofitted)] == [1, 2, 3, 4]
    restored = run_model_saving_test(retrofitted, x, str(tmp_path))
    set_monte_carlo(restored, True)
    probs = blur_keras.predict_proba(restored, x, num_samples=4)
    assert probs.shape == (4, 10)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)


def test_a_retrofitted_model_trains():
    model = retrofit(models.get("resnet_dnn_18", width=4, num_classes=3), mc_dropout=0.3)
    run_training_step_test(model, random_input((4, 32, 32, 3)), num_classes=3)
