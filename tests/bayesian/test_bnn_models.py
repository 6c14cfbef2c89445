import numpy as np
import pytest

import blur_keras.models as models
from blur_keras.bayesian import Conv2DFlipout, Conv2DReparameterization, DenseFlipout

pytestmark = pytest.mark.tensorflow_only


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def test_bnn_names_only_for_resnet_and_vgg_families():
    bnn = [n for n in models.names() if "_bnn" in n]
    assert {n.split("_")[0] for n in bnn} == {"resnet", "preresnet", "vgg", "prevgg"}
    assert "resnet_bnn_smoothing_18" in bnn and "vgg_bnn_16" in bnn
    with pytest.raises(ValueError, match="Unknown model name"):
        models.get("resnext_bnn_50")


def test_all_weight_layers_variational_by_default():
    model = models.get("resnet_bnn_smoothing_18", input_shape=(16, 16, 3), num_classes=3,
                       kl_weight=1 / 1000)
    convs = [l for l in model.layers if "conv" in l.name and not l.name.endswith("_pad")]
    assert convs and all(isinstance(l, Conv2DFlipout) for l in convs)
    assert isinstance(model.get_layer("logits"), DenseFlipout)
    assert model.get_layer("logits").kl_weight == pytest.approx(1 / 1000)


def test_head_only_and_reparameterization_options():
    model = models.get("vgg_bnn_11", variational="head", num_classes=3)
    assert not layers_of(model, Conv2DFlipout)
    assert len(layers_of(model, DenseFlipout)) == 3
    model = models.get("preresnet_bnn_18", estimator="reparameterization",
                       input_shape=(16, 16, 3), num_classes=3)
    assert layers_of(model, Conv2DReparameterization)
    with pytest.raises(ValueError, match="Unknown estimator"):
        models.get("resnet_bnn_18", estimator="vi")


def test_variational_parameters_double_the_weights():
    plain = models.get("resnet_dnn_18", input_shape=(16, 16, 3), num_classes=3)
    bnn = models.get("resnet_bnn_18", input_shape=(16, 16, 3), num_classes=3)
    count = lambda m: sum(int(np.prod(w.shape)) for w in m.trainable_weights)
    kernels = sum(int(np.prod(w.shape)) for w in plain.trainable_weights if "kernel" in w.path)
    # Every kernel gets a posterior mean and scale; BN and the bias stay point estimates.
    assert count(bnn) == count(plain) + kernels
