"""`blur_keras.protocol`: a parsed model + a dataset -> builder arguments -> the model."""

import pytest

from blur_keras import models, protocol
from blur_keras.layers import MCDropout


def test_the_protocol_sets_classes_input_and_stem():
    spec = protocol.for_dataset(models.parse("resnet_dnn_18"), "imagenet2012")
    assert spec.arguments == {"num_classes": 1000, "input_shape": (224, 224, 3),
                              "stem": "imagenet"}
    assert spec.name == "resnet_dnn_18"
    cifar = protocol.for_dataset(models.parse("resnext_mcdo_50"), "cifar100")
    assert cifar.arguments == {"num_classes": 100, "input_shape": (32, 32, 3), "stem": "cifar"}


def test_a_builder_without_a_stem_gets_none():
    spec = protocol.for_dataset(models.parse("vgg_dnn_16"), "imagenet2012")
    assert spec.arguments == {"num_classes": 1000, "input_shape": (224, 224, 3)}


def test_kl_weight_goes_to_the_models_that_take_one():
    bnn = protocol.for_dataset(models.parse("resnet_bnn_18"), "cifar10", kl_weight=0.5)
    assert bnn.arguments["kl_weight"] == 0.5
    dnn = protocol.for_dataset(models.parse("resnet_dnn_18"), "cifar10", kl_weight=0.5)
    assert "kl_weight" not in dnn.arguments


def test_the_specs_own_arguments_win():
    spec = models.parse("resnet_dnn_18").with_arguments(num_classes=3, width=16)
    arguments = protocol.for_dataset(spec, "fashion_mnist").arguments
    assert arguments == {"num_classes": 3, "input_shape": (28, 28, 1), "stem": "cifar",
                         "width": 16}


@pytest.mark.parametrize("arguments,message", [
    ({"widht": 16}, r"model_args \['widht'\] are not arguments of resnet_dnn_18's builder"),
    ({"kl_weight": 0.1}, "are not arguments of"),            # only `bnn` models take it
])
def test_arguments_the_builder_does_not_take_are_refused(arguments, message):
    spec = models.parse("resnet_dnn_18")
    with pytest.raises(ValueError, match=message):
        protocol.for_dataset(spec.with_arguments(**arguments), "cifar10")
    with pytest.raises(ValueError, match=message):
        protocol.check_model_args(spec, arguments)


def test_unknown_dataset_and_model_args_that_are_not_a_dict():
    with pytest.raises(ValueError, match="Unknown dataset"):
        protocol.for_dataset(models.parse("resnet_dnn_18"), "svhn")
    with pytest.raises(ValueError, match="must be a dict of builder arguments"):
        protocol.check_model_args(models.parse("resnet_dnn_18"), [16])


def test_build_model_takes_a_name_or_a_spec():
    spec = models.parse("resnet_mcdo_smoothing_18").with_arguments(width=4)
    from_spec = protocol.build_model(spec, "fashion_mnist")
    from_name = protocol.build_model("resnet_mcdo_smoothing_18", "fashion_mnist", {"width": 4})
    assert from_spec.get_config() == from_name.get_config()
    assert from_spec.input_shape == (None, 28, 28, 1) and from_spec.output_shape == (None, 10)
    assert {layer.rate for layer in from_spec.layers if isinstance(layer, MCDropout)} == {0.3}
    with pytest.raises(ValueError, match=r'model_args \{"smoothing_stages": 3\} do not build'):
        protocol.build_model("resnet_dnn_18", "fashion_mnist", {"smoothing_stages": 3})
