import numpy as np
import pytest
import keras

import blur_keras.models as models
from blur_keras import protocol
from blur_keras.layers import MCDropout, SpatialSmoothing
from tests.test_case import random_input, to_numpy

#: Trainable parameters of the reference PyTorch models (docs/paper.md#parameter-counts), built
#: for a dataset's protocol.
REFERENCE_COUNTS = [
    ("resnet_dnn_18", "cifar100", 11_220_132),
    ("resnet_dnn_34", "cifar100", 21_328_292),
    ("resnet_dnn_50", "cifar100", 23_705_252),
    ("resnet_dnn_101", "cifar100", 42_697_380),
    ("resnet_dnn_152", "cifar100", 58_341_028),
    ("preresnet_dnn_18", "cifar100", 11_218_340),
    ("resnext_dnn_50", "cifar100", 23_177_124),
    ("wideresnet_dnn_50", "cifar100", 67_031_460),
    ("vgg_dnn_11", "cifar100", 129_178_788),
    ("vgg_dnn_16", "cifar100", 134_674_468),
    ("vgg_dnn_19", "cifar100", 139_985_444),
    ("prevgg_dnn_16", "cifar100", 134_673_450),
    ("alexnet_dnn", "cifar100", 23_836_452),
    ("resnet_dnn_18", "cifar10", 11_173_962),
    ("resnet_dnn_50", "cifar10", 23_520_842),
    ("resnet_dnn_18", "imagenet2012", 11_689_512),
    ("resnet_dnn_50", "imagenet2012", 25_557_032),
    ("vgg_dnn_16", "imagenet2012", 138_361_768),
    ("alexnet_dnn", "imagenet2012", 61_099_688),
]


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.slow
@pytest.mark.exhaustive
@pytest.mark.parametrize("name,dataset,expected", REFERENCE_COUNTS)
def test_parameter_counts_match_reference(name, dataset, expected):
    assert trainable_count(protocol.build_model(name, dataset)) == expected
    keras.backend.clear_session()
    # Smoothing and MC dropout add no trainable parameters.
    smooth = name.replace("_dnn", "_mcdo_smoothing")
    assert trainable_count(protocol.build_model(smooth, dataset)) == expected
    keras.backend.clear_session()


def test_names_follow_reference_scheme():
    names = models.names()
    assert len(names) == len(set(names))
    for expected in ["resnet_mcdo_smoothing_18", "preresnet_dnn_50", "resnext_mcdo_50",
                     "wideresnet_dnn_smoothing_101", "vgg_mcdo_smoothing_16", "prevgg_dnn_19",
                     "alexnet_mcdo_smoothing", "resnet_dnn_152", "resnext_dnn_101"]:
        assert expected in names
    families = {n.split("_")[0] for n in names}
    assert families == set(models.FAMILIES)
    assert models.parse("resnet_mcdo_smoothing_18") == models.ModelSpec("resnet", "mcdo", True, 18)
    assert models.parse("alexnet_dnn") == models.ModelSpec("alexnet", "dnn", False, None)
    assert all(models.parse(name).name == name for name in names)


@pytest.mark.parametrize("bad,close", [
    ("resnet_mcdo_smoothing_19", "resnet_mcdo_smoothing_18"),
    ("resnet_mcdo_smooth_18", "resnet_mcdo_smoothing_18"),
    ("vgg_dnn_17", "vgg_dnn_16"),
    ("alexnet_dnn_18", "alexnet_dnn"),
])
def test_unknown_name_lists_closest(bad, close):
    with pytest.raises(ValueError, match="Unknown model name") as error:
        models.get(bad)
    assert close in str(error.value)


def test_unknown_name_without_close_match():
    with pytest.raises(ValueError, match="names\\(\\) lists them all"):
        models.get("transformer")


@pytest.mark.slow
@pytest.mark.exhaustive
@pytest.mark.parametrize("name", models.names())
def test_every_registered_name_builds_and_runs(name):
    model = models.get(name, num_classes=3)
    assert model.name == name
    x = random_input((1, 32, 32, 3))
    y = to_numpy(model(x))
    assert y.shape == (1, 3) and np.all(np.isfinite(y))
    layers = model._flatten_layers(include_self=False)
    has_smoothing = any(isinstance(layer, SpatialSmoothing) for layer in layers)
    has_mc_dropout = any(isinstance(layer, MCDropout) for layer in layers)
    assert has_smoothing == ("_smoothing" in name)
    assert has_mc_dropout == ("_mcdo" in name)
    keras.backend.clear_session()


def test_mc_dropout_rate_follows_protocol():
    def rates(model):
        return {layer.rate for layer in model.layers if isinstance(layer, MCDropout)}
    assert rates(models.get("resnet_mcdo_18", input_shape=(16, 16, 3))) == {0.3}
    assert rates(models.get("resnet_mcdo_18", stem="imagenet", input_shape=(64, 64, 3))) == {0.05}
    assert rates(models.get("alexnet_mcdo")) == {0.1}
    assert rates(models.get("resnet_mcdo_18", mc_dropout=0.2, input_shape=(16, 16, 3))) == {0.2}
