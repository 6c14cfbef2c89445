import numpy as np
import pytest
import keras

import blur_keras.models as models
from blur_keras.layers import MCDropout, SpatialSmoothing
from tests.test_case import random_input, to_numpy


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def spatial(model, name):
    return model.get_layer(name).output.shape[1]


def test_resnet18_reference_spatial_sizes():
    model = models.get("resnet_dnn_smoothing_18")
    assert [spatial(model, f"stage{s}_block1_out") for s in range(1, 5)] == [32, 17, 9, 5]
    assert [spatial(model, f"stage{s}_smooth") for s in range(1, 5)] == [33, 18, 10, 6]


@pytest.mark.slow
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
    model = models.resnet(18, num_classes=4, head=head, input_shape=(16, 16, 3), width=8)
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


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def mlp_parameters(features, num_classes):
    """Dense(features -> 4096) + Dense(4096 -> 4096) + Dense(4096 -> classes), with biases."""
    return features * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * num_classes + num_classes


@pytest.mark.parametrize("builder,gap_count,head_bn", [
    # docs/paper.md#parameter-counts: resnet_dnn_18 and preresnet_dnn_18, CIFAR stem, 100 classes.
    # The GAP head is Dense(512 -> 100) = 51,300 parameters; the pre-act one also BN(512) = 1,024.
    (models.resnet, 11_220_132, 0),
    (models.preact_resnet, 11_218_340, 1_024),
])
def test_resnet_mlp_head_is_reference(builder, gap_count, head_bn):
    # Reference: AdaptiveAvgPool2d((7, 7)) straight on the last stage, then MLPBlock on
    # 7 * 7 * 512 * expansion = 25,088 features (no max pool, no global pooling first; the
    # pre-act BN-ReLU belongs to the replaced BNGAPBlock).
    model = builder(18, num_classes=100, head="mlp")
    assert tuple(model.get_layer("head_adaptive_pool").output.shape[1:]) == (7, 7, 512)
    assert model.get_layer("head_flatten").output.shape[-1] == 25_088
    names = {layer.name for layer in model.layers}
    assert "head_pool" not in names and "head_pre_bn" not in names
    # 131,124,388 (ResNet-18) and 131,121,572 (pre-act ResNet-18).
    assert trainable_count(model) == gap_count - 51_300 - head_bn + mlp_parameters(25_088, 100)


def test_resnet50_mlp_head_features_scale_with_expansion():
    # 7 * 7 * 512 * expansion 4 at width 64; at width 16 the last stage has 4 * 128 channels.
    model = models.resnet(50, num_classes=10, head="mlp", width=16)
    assert model.get_layer("head_flatten").output.shape[-1] == 7 * 7 * 128 * 4


def test_alexnet_cifar_stem_is_reference():
    # Reference CIFAR AlexNet: conv3x3 stride 2 padding 1 (32 -> 16), 2x2/2 max pools,
    # head max pool 2x2/2 and adaptive pool to 2x2 (2 * 2 * 256 = 1,024 MLP inputs).
    model = models.get("alexnet_dnn", num_classes=100)
    sizes = [spatial(model, n) for n in
             ("conv1", "stage1_pool", "conv2", "stage2_pool", "conv5", "head_pool")]
    assert sizes == [16, 8, 8, 4, 4, 2]
    assert model.get_layer("head_flatten").output.shape[-1] == 1_024
    # conv 1,728 + 307,200 + 663,552 + 884,736 + 589,824, dense 4,198,400 + 16,781,312 + 409,700
    assert trainable_count(model) == 23_836_452
    smooth = models.get("alexnet_dnn_smoothing", num_classes=100)
    assert [spatial(smooth, f"stage{s}_smooth") for s in (1, 2, 3)] == [17, 9, 5]
    assert spatial(smooth, "head_pool") == 2


def test_alexnet_imagenet_sizes_are_reference():
    # 224 -> conv1 11x11/4 pad 2: 55 -> pool 3x3/2: 27 -> 13 -> head pool: 6.
    model = models.alexnet(num_classes=1000, stem="imagenet", input_shape=(224, 224, 3))
    assert [spatial(model, n) for n in ("conv1", "stage1_pool", "stage2_pool", "head_pool")] \
        == [55, 27, 13, 6]


def test_preact_imagenet_stem_is_bare_conv_then_inf_padded_pool():
    model = models.preact_resnet(18, num_classes=3, stem="imagenet", input_shape=(16, 16, 3))
    names = {layer.name for layer in model.layers}
    assert "stem_bn" not in names and "stem_relu" not in names
    pool = model.get_layer("stem_pool")
    assert pool._inbound_nodes[0].input_tensors[0]._keras_history.operation.name == "stem_conv"
    # A kernel of -1s on an image of 1s: each conv output is -3 x (input pixels its 7x7/2 window
    # covers), all negative. The top-left output covers 4 x 4 pixels (-48) and is the largest
    # of the pool's top-left window; zero padding would make that window's max 0.
    conv = model.get_layer("stem_conv")
    conv.set_weights([-np.ones(conv.kernel.shape, "float32")])
    stem = keras.Model(model.input, pool.output)
    pooled = to_numpy(stem(np.ones((1, 16, 16, 3), "float32")))
    assert pooled.shape == (1, 4, 4, 64)
    np.testing.assert_array_equal(pooled[0, 0, 0], -48.0)
    assert pooled.max() < 0
    # The post-activation stem keeps conv-BN-ReLU before its pool.
    assert "stem_bn" in {layer.name for layer in models.resnet(
        18, stem="imagenet", input_shape=(32, 32, 3), width=8).layers}


def test_preact_mcdo_bottleneck_shortcut_has_bn():
    # Reference PreResNet-50 (CIFAR stem, 100 classes), derived from resnet_dnn_50's 23,705,252:
    # no stem BN (-128), no shortcut BNs (-2 x (256 + 512 + 1024 + 2048) = -7,680), the first
    # block of each stage pre-activates its input instead of a 4x-wide output
    # (-2 x (192 + 256 + 512 + 1024) = -3,968), head BN(2048) (+4,096): 23,697,572.
    # The MC dropout bottleneck adds its shortcut BNs back (+7,680): 23,705,252.
    dnn = models.get("preresnet_dnn_50", num_classes=100)
    assert trainable_count(dnn) == 23_697_572
    assert not any(layer.name.endswith("shortcut_bn") for layer in dnn.layers)
    keras.backend.clear_session()
    mcdo = models.get("preresnet_mcdo_50", num_classes=100)
    assert trainable_count(mcdo) == 23_705_252
    assert mcdo.get_layer("stage4_block1_shortcut_bn").output.shape[-1] == 2048
    keras.backend.clear_session()
    # The reference's MC dropout basic block keeps the bare conv1x1 shortcut.
    basic = models.get("preresnet_mcdo_18", num_classes=100)
    assert trainable_count(basic) == 11_218_340


def test_width_16_resnet18_fashion_mnist():
    # Stem conv 3x3x1x16 = 144 + BN 32.
    # Stage 1 (16): 2 blocks x (2 x 3x3x16x16 + 2 BN(16)) = 2 x 4,672 = 9,344.
    # Stage 2 (32): 3x3x16x32 + 3x3x32x32 + 2 BN(32) + 1x1x16x32 + BN(32) = 14,528;
    #   + (2 x 9,216 + 128) = 18,560 -> 33,088.
    # Stage 3 (64): 18,432 + 36,864 + 256 + 2,048 + 128 = 57,728; + 73,984 -> 131,712.
    # Stage 4 (128): 73,728 + 147,456 + 512 + 8,192 + 256 = 230,144; + 295,424 -> 525,568.
    # Head Dense(128 -> 10) = 1,290. Total 701,178.
    model = models.get("resnet_mcdo_smoothing_18", width=16, input_shape=(28, 28, 1))
    assert trainable_count(model) == 701_178
    assert model.get_layer("stage4_block2_out").output.shape[-1] == 128
    # width=64 is the reference (docs/paper.md#parameter-counts: resnet_dnn_18, 10 classes).
    keras.backend.clear_session()
    assert trainable_count(models.get("resnet_dnn_18", width=64)) == 11_173_962


@pytest.mark.parametrize("name,layer,channels", [
    # Reference channels x width / 64.
    ("vgg_dnn_11", "stage5_conv2", 128),
    ("prevgg_dnn_11", "stage4_conv1", 128),
    ("alexnet_dnn", "conv2", 48),
    ("resnext_dnn_50", "stage1_block1_conv2", 32),     # 32 groups x int(16 x 4 / 64)
    ("wideresnet_dnn_50", "stage1_block1_conv2", 32),  # int(16 x 128 / 64)
    ("preresnet_dnn_18", "stage3_block1_conv1", 64),
])
def test_width_scales_every_family(name, layer, channels):
    model = models.get(name, width=16, num_classes=10)
    assert model.get_layer(layer).output.shape[-1] == channels
    if "vgg" in name or "alexnet" in name:
        # The MLP head keeps its 4096 units.
        assert model.get_layer("head_fc1").output.shape[-1] == 4096


def test_vgg_width_16_parameter_count():
    # Convs 3x3 (bias-free) 3->16, 16->32, 32->64, 64->64, 64->128, 128->128, 128->128, 128->128:
    # 432 + 4,608 + 18,432 + 36,864 + 73,728 + 3 x 147,456 = 576,432; BN 2 x (16 + 32 + 64 + 64
    # + 4 x 128) = 1,376. MLP on 7 x 7 x 128 = 6,272 features: 25,694,208 + 16,781,312 + 40,970.
    model = models.get("vgg_dnn_11", width=16, num_classes=10)
    assert trainable_count(model) == 576_432 + 1_376 + mlp_parameters(6_272, 10)


@pytest.mark.parametrize("name", ["resnet_dnn_18", "preresnet_dnn_18", "resnext_dnn_50",
                                  "wideresnet_dnn_50", "vgg_dnn_11", "prevgg_dnn_11",
                                  "alexnet_dnn"])
@pytest.mark.parametrize("width", [0, -16, 2.5, True, "16"])
def test_invalid_width(name, width):
    with pytest.raises(ValueError, match="width must be a positive integer"):
        models.get(name, width=width)


def test_resnext_width_too_small_for_its_groups():
    with pytest.raises(ValueError, match="expected width >= 16"):
        models.get("resnext_dnn_50", width=8)
