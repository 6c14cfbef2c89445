import numpy as np
import pytest
import keras

from blur_keras import models
from blur_keras.analysis import feature_maps, tapped_layer_names


def test_resnet_taps_block_outputs_and_smoothing_layers():
    model = models.resnet(18, num_classes=3, input_shape=(8, 8, 1), smoothing=True, width=2)
    expected = []
    for s in range(1, 5):
        expected += [f"stage{s}_block1_out", f"stage{s}_block2_out", f"stage{s}_smooth"]
    assert tapped_layer_names(model) == expected


def test_preact_resnet_taps_the_add_layers():
    model = models.preact_resnet(18, num_classes=3, input_shape=(8, 8, 1), smoothing=True,
                                 width=2)
    names = tapped_layer_names(model)
    assert names[:3] == ["stage1_block1_add", "stage1_block2_add", "stage1_smooth"]
    assert names[-2:] == ["stage4_block1_add", "stage4_block2_add"]   # no stage-4 smoothing
    assert len(names) == 11


def test_vgg_and_alexnet_tap_each_conv_unit():
    vgg = models.vgg(11, num_classes=3, input_shape=(16, 16, 1), head="gap", smoothing=True,
                     mc_dropout=0.1)
    assert tapped_layer_names(vgg)[:5] == [
        "stage1_conv1_dropout", "stage1_smooth", "stage2_conv1_dropout", "stage2_smooth",
        "stage3_conv1_dropout"]
    preact = models.preact_vgg(11, num_classes=3, input_shape=(16, 16, 1), head="gap")
    assert tapped_layer_names(preact)[:3] == ["stage1_conv1", "stage2_conv1", "stage3_conv1"]
    alexnet = models.alexnet(num_classes=3, input_shape=(8, 8, 1), head="gap", smoothing=True)
    assert tapped_layer_names(alexnet) == [
        "conv1_relu", "stage1_smooth", "conv2_relu", "stage2_smooth", "conv3_relu",
        "conv4_relu", "conv5_relu", "stage3_smooth"]


def test_feature_maps_and_errors():
    inputs = keras.Input((4, 4, 1))
    doubled = keras.layers.Rescaling(2.0, name="stage1_block1_out")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(doubled)))
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    maps = feature_maps(model, x, ["stage1_block1_out"])
    np.testing.assert_array_equal(maps["stage1_block1_out"], 2 * x)
    with pytest.raises(ValueError, match=r"unknown: \['nope'\]"):
        feature_maps(model, x, ["nope"])
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="pass layer_names explicitly"):
        tapped_layer_names(plain)
