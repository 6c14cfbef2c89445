import numpy as np
import pytest
import keras

import blur_keras.models as models
from blur_keras.layers import MCDropout, SpatialSmoothing, set_monte_carlo
from tests.test_case import (
    random_input, run_model_saving_test, run_training_step_test, to_numpy)


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def spatial(model, name):
    return model.get_layer(name).output.shape[1]


def test_resnet18_reference_spatial_sizes():
    model = models.get("resnet_dnn_smoothing_18")
    assert [spatial(model, f"stage{s}_block1_out") for s in range(1, 5)] == [32, 17, 9, 5]
    assert [spatial(model, f"stage{s}_smooth") for s in range(1, 5)] == [33, 18, 10, 6]


@pytest.mark.exhaustive
def test_resnet50_imagenet_reference_spatial_sizes():
    model = models.get("resnet_dnn_smoothing_50", stem="imagenet", input_shape=(224, 224, 3),
                       num_classes=1000)
    assert spatial(model, "stem_pool") == 56
    assert [spatial(model, f"stage{s}_block1_out") for s in range(1, 5)] == [56, 29, 15, 8]
    assert [spatial(model, f"stage{s}_smooth") for s in range(1, 5)] == [57, 30, 16, 9]


def test_same_padding_switch_preserves_sizes():
    model = models.resnet(18, smoothing={"padding": "same"})
    assert [spatial(model, f"stage{s}_smooth") for s in range(1, 5)] == [32, 16, 8, 4]
    # Other kernels default to size-preserving "same" padding, as in the reference.
    binomial = models.resnet(18, smoothing={"kernel": (1, 2, 1)})
    assert spatial(binomial, "stage1_smooth") == 32
    assert binomial.get_layer("stage1_smooth").get_config()["kernel"] == [1, 2, 1]


@pytest.mark.parametrize("builder,kwargs,smooth_count,dropout_count", [
    (models.resnet, {"depth": 18}, 4, 8),
    (models.resnet, {"depth": 50}, 4, 16),
    (models.preact_resnet, {"depth": 18}, 3, 8),
    (models.vgg, {"depth": 16}, 5, 13),
    (models.preact_vgg, {"depth": 11}, 5, 8),
    (models.alexnet, {}, 3, 5),
])
def test_placement_counts(builder, kwargs, smooth_count, dropout_count):
    model = builder(**kwargs, smoothing=True, mc_dropout=0.1, num_classes=3)
    assert len(layers_of(model, SpatialSmoothing)) == smooth_count
    assert len(layers_of(model, MCDropout)) == dropout_count


def test_smoothing_sits_right_before_subsampling():
    model = models.vgg(11, smoothing=True, num_classes=3)
    for s in range(1, 5):
        pool = model.get_layer(f"stage{s}_pool")
        assert pool._inbound_nodes[0].input_tensors[0]._keras_history.operation.name \
            == f"stage{s}_smooth"
    resnet = models.resnet(18, smoothing=True, num_classes=3)
    nxt = resnet.get_layer("stage2_block1_conv1_pad")
    assert nxt._inbound_nodes[0].input_tensors[0]._keras_history.operation.name == "stage1_smooth"


def test_position_ablation_subset_of_stages():
    model = models.resnet(18, smoothing=True, smoothing_stages=[1, 3], num_classes=3)
    assert sorted(l.name for l in layers_of(model, SpatialSmoothing)) == \
        ["stage1_smooth", "stage3_smooth"]
    with pytest.raises(ValueError, match="1..4"):
        models.resnet(18, smoothing=True, smoothing_stages=[0, 5])


def test_smoothing_factory_and_dict():
    model = models.resnet(18, num_classes=3, smoothing=lambda name: SpatialSmoothing(
        "relu6", kernel=(1, 2, 1), name=name))
    assert model.get_layer("stage4_smooth").get_config()["prob"] == "relu6"
    model = models.resnet(18, num_classes=3, smoothing={"prob": "sigmoid", "temperature": 4.0})
    config = model.get_layer("stage2_smooth").get_config()
    assert (config["prob"], config["temperature"], config["padding"]) == ("sigmoid", 4.0, "full")
    with pytest.raises(ValueError, match="Invalid smoothing config"):
        models.resnet(18, smoothing={"sigma": 1.0})
    with pytest.raises(ValueError, match="smoothing must be"):
        models.resnet(18, smoothing="yes")
    with pytest.raises(ValueError, match="must return a keras.layers.Layer"):
        models.resnet(18, smoothing=lambda name: None)


@pytest.mark.parametrize("head", ["gap", "gmp", "gmedp", "mlp"])
def test_heads(head):
    model = models.resnet(18, num_classes=4, head=head, input_shape=(16, 16, 3))
    assert to_numpy(model(random_input((2, 16, 16, 3)))).shape == (2, 4)


def test_free_input_shape_fashion_mnist():
    model = models.get("resnet_mcdo_smoothing_18", input_shape=(28, 28, 1))
    assert model.input_shape == (None, 28, 28, 1)
    assert to_numpy(model(random_input((2, 28, 28, 1)))).shape == (2, 10)


def test_tap_stage_output_by_name():
    model = models.get("resnet_dnn_smoothing_18", input_shape=(16, 16, 3))
    features = keras.Model(model.input, model.get_layer("stage3_smooth").output)
    assert to_numpy(features(random_input((1, 16, 16, 3)))).shape == (1, 6, 6, 256)  # 16 -> 17 -> 9 -> 10 -> 5 -> 6


def test_smoothing_does_not_change_weights():
    plain = models.get("resnet_dnn_18")
    smooth = models.get("resnet_dnn_smoothing_18")
    assert [(w.path, w.shape) for w in plain.weights] == [(w.path, w.shape) for w in smooth.weights]


def test_bn_matches_pytorch_defaults():
    bn = models.get("resnet_dnn_18").get_layer("stage1_block1_bn1")
    assert (bn.momentum, bn.epsilon) == (0.9, 1e-5)


@pytest.mark.parametrize("name,shape", [
    ("resnet_mcdo_smoothing_18", (16, 16, 3)),
    ("preresnet_mcdo_smoothing_18", (16, 16, 3)),
    ("resnext_dnn_smoothing_50", (16, 16, 3)),
    ("vgg_mcdo_smoothing_11", (32, 32, 3)),
    ("alexnet_mcdo_smoothing", (32, 32, 3)),
])
def test_training_step_and_keras_round_trip(name, shape, tmp_path):
    model = models.get(name, num_classes=3, input_shape=shape, mc_dropout_seed=5)
    x = random_input((2,) + shape)
    run_training_step_test(model, x, num_classes=3)
    restored = run_model_saving_test(model, x, str(tmp_path))
    if "_mcdo" in name:
        # Stochastic at inference, but reproducible from the same seeds.
        a = models.get(name, num_classes=3, input_shape=shape, mc_dropout_seed=5)
        b = models.get(name, num_classes=3, input_shape=shape, mc_dropout_seed=5)
        b.set_weights(a.get_weights())
        np.testing.assert_allclose(to_numpy(a(x)), to_numpy(b(x)), rtol=1e-5, atol=1e-5)
        assert not np.allclose(to_numpy(restored(x)), to_numpy(restored(x)))
        set_monte_carlo(restored, False)
        np.testing.assert_allclose(to_numpy(restored(x)), to_numpy(restored(x)))


@pytest.mark.parametrize("kwargs,message", [
    ({"depth": 20}, "Unsupported ResNet depth"),
    ({"num_classes": 0}, "num_classes"),
    ({"input_shape": (32, 32)}, "input_shape"),
    ({"mc_dropout": 1.0}, r"\[0, 1\)"),
    ({"head": "attention"}, "Unknown head"),
    ({"stem": "tiny"}, "Unknown stem"),
])
def test_invalid_builder_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.resnet(**kwargs)


def test_invalid_family_depths():
    with pytest.raises(ValueError, match="VGG depth"):
        models.vgg(12)
    with pytest.raises(ValueError, match="ResNeXt depth"):
        models.resnext(18)
    with pytest.raises(ValueError, match="Wide-ResNet depth"):
        models.wide_resnet(18)
    with pytest.raises(ValueError, match="basic blocks"):
        models.resnet(18, groups=32)


def test_mixed_precision_logits_are_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    model = models.get("resnet_mcdo_smoothing_18", input_shape=(16, 16, 3), num_classes=3)
    y = model(random_input((2, 16, 16, 3)))
    assert keras.backend.standardize_dtype(y.dtype) == "float32"
    assert model.get_layer("stage1_smooth").compute_dtype == "bfloat16"
