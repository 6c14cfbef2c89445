"""The model battery (`run_model_test`) on every family and variant of the registry.

One representative per family and variant: its first registered name with smoothing (the
smallest depth), at width 16 with the global-average-pooling head, so that the whole battery
stays fast. `tests/models/test_registry.py` builds every registered name (`exhaustive`).
"""

import numpy as np
import pytest
import keras

import blur_keras.models as models
from tests.test_case import random_input, run_model_test, to_numpy

INPUT_SHAPE = (2, 32, 32, 3)
NUM_CLASSES = 3
#: The builder arguments of the small models (`resnext` needs a width of at least 16).
SMALL = {"width": 16, "head": "gap", "num_classes": NUM_CLASSES, "input_shape": INPUT_SHAPE[1:]}


def representatives() -> list[str]:
    """The first registered name with smoothing of every family and variant."""
    found = []
    for family in models.FAMILIES:
        for variant in models.VARIANTS:
            names = [n for n in models.names() if n.startswith(f"{family}_{variant}_smoothing")]
            found += names[:1]
    return found


#: `count_params()` of each representative built with `SMALL` (trainable and BN statistics).
#: Smoothing and MC dropout add no weights (dnn and mcdo agree); a variational kernel holds a
#: posterior mean and scale. resnet_*_18: the 701,178 trainable weights of the width-16
#: ResNet-18 of test_builders.py with 3 input channels (+288) and 3 classes (-903), and 2 x 1,200
#: BN moving statistics.
EXPECTED_PARAMETERS = {
    "resnet_dnn_smoothing_18": 702_963,
    "resnet_mcdo_smoothing_18": 702_963,
    "resnet_bnn_smoothing_18": 1_401_123,
    "preresnet_dnn_smoothing_18": 702_067,
    "preresnet_mcdo_smoothing_18": 702_067,
    "preresnet_bnn_smoothing_18": 1_400_227,
    "resnext_dnn_smoothing_50": 1_467_475,
    "resnext_mcdo_smoothing_50": 1_467_475,
    "wideresnet_dnn_smoothing_50": 4_208_371,
    "wideresnet_mcdo_smoothing_50": 4_208_371,
    "vgg_dnn_smoothing_11": 579_571,
    "vgg_mcdo_smoothing_11": 579_571,
    "vgg_bnn_smoothing_11": 1_156_387,
    "prevgg_dnn_smoothing_11": 579_071,
    "prevgg_mcdo_smoothing_11": 579_071,
    "prevgg_bnn_smoothing_11": 1_155_887,
    "alexnet_dnn_smoothing": 153_459,
    "alexnet_mcdo_smoothing": 153_459,
}
#: Variational variants need TensorFlow Probability, hence TensorFlow.
#: ResNeXt-50 at width 16 takes 13-15 s of CPU per case: the slow tier runs it.
NAMES = [pytest.param(name, marks=pytest.mark.tensorflow_only) if "_bnn_" in name
         else pytest.param(name, marks=pytest.mark.slow) if name.startswith("resnext_")
         else name for name in representatives()]


def test_every_family_and_variant_has_a_representative_with_its_expected_parameters():
    assert sorted(EXPECTED_PARAMETERS) == sorted(representatives())
    families = {name.split("_")[0] for name in representatives()}
    assert families == set(models.FAMILIES)


@pytest.mark.parametrize("name", NAMES)
def test_model_battery(name, tmp_path):
    model = models.get(name, **SMALL)
    assert model.name == name
    run_model_test(model, INPUT_SHAPE, (INPUT_SHAPE[0], NUM_CLASSES), EXPECTED_PARAMETERS[name],
                   str(tmp_path))


@pytest.mark.parametrize("name", ["resnet_mcdo_smoothing_18", "preresnet_mcdo_smoothing_18",
                                  "vgg_mcdo_smoothing_11", "alexnet_mcdo_smoothing"])
def test_mc_dropout_models_are_reproducible_from_their_seeds(name):
    a = models.get(name, **SMALL, mc_dropout_seed=5)
    b = models.get(name, **SMALL, mc_dropout_seed=5)
    b.set_weights(a.get_weights())
    x = random_input(INPUT_SHAPE)
    np.testing.assert_allclose(to_numpy(a(x)), to_numpy(b(x)), rtol=1e-5, atol=1e-5)
    keras.backend.clear_session()
