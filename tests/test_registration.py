"""`import blur_keras` alone makes everything the package registers loadable (a new process)."""

import importlib
import importlib.util
import json
import pkgutil

import pytest
import keras

import blur_keras
from tests.test_case import run_fresh_python

pytestmark = pytest.mark.tensorflow_only      # the Bayesian layers among them need TensorFlow

BAYESIAN = ("Conv2DFlipout", "Conv2DReparameterization", "DenseFlipout",
            "DenseReparameterization", "NormalPrior")


def _registered_by_the_package() -> dict[str, str]:
    """`{registered name: defining module}` of every class the package's modules register.

    Imports every module that calls `register_keras_serializable` (not all modules: the
    programs define absl flags on import, some of the same name).
    """
    for module in pkgutil.walk_packages(blur_keras.__path__, "blur_keras."):
        spec = importlib.util.find_spec(module.name)
        if spec.origin is None or not spec.origin.endswith(".py"):
            continue
        with open(spec.origin) as f:
            if "register_keras_serializable(" in f.read():
                importlib.import_module(module.name)
    return {name: obj.__module__ for name, obj in keras.saving.get_custom_objects().items()
            if name.startswith("blur_keras>")}


def test_the_registration_table_lists_every_object_the_package_registers():
    from blur_keras.registration import SERIALIZABLES
    assert _registered_by_the_package() == SERIALIZABLES


def _examples() -> dict:
    """One instance of every registered class."""
    from blur_keras import layers, metrics, predict
    from blur_keras.bayesian import priors, variational
    from blur_keras.training import losses, optimizers, schedules
    member = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    examples = [
        layers.AdaptiveAveragePooling2D(2), layers.Blur(), layers.GlobalMedianPooling2D(),
        layers.MCDropout(0.1), layers.PaddedMaxPooling2D(3, 2, 1),
        layers.PixelStandardization([0.5], [0.25]), layers.Prob(), layers.SpatialSmoothing(),
        variational.Conv2DFlipout(2, 3), variational.Conv2DReparameterization(2, 3),
        variational.DenseFlipout(2), variational.DenseReparameterization(2),
        priors.NormalPrior(scale=0.5), predict.Ensemble([member]),
        metrics.BrierScore(), metrics.ExpectedCalibrationError(),
        metrics.NegativeLogLikelihood(), losses.SparseCrossentropy(), optimizers.TorchSGD(),
        schedules.WarmupCosine(0.1, 10, 5), schedules.WarmupMultiStep(0.1, 10, (2,)),
    ]
    return {keras.saving.get_registered_name(type(obj)): obj for obj in examples}


@pytest.mark.slow
def test_every_registered_object_loads_in_a_new_process_after_only_import_blur_keras(tmp_path):
    registered = _registered_by_the_package()
    examples = _examples()
    assert set(examples) == set(registered)
    configs = {name: keras.saving.serialize_keras_object(obj) for name, obj in examples.items()}
    (tmp_path / "configs.json").write_text(json.dumps(configs))
    # The README's recipe: a model saved with MC dropout and smoothing, loaded in a new process.
    from blur_keras import models
    models.get("resnet_mcdo_smoothing_18", input_shape=(8, 8, 1), num_classes=3,
               width=2).save(tmp_path / "model.keras")
    out = run_fresh_python(f"""
import json, sys
import blur_keras
assert "keras" not in sys.modules, "import blur_keras stays light"
import keras
model = keras.saving.load_model({str(tmp_path / "model.keras")!r})
print("model", type(model.get_layer("stage1_block1_dropout")).__name__)
configs = json.load(open({str(tmp_path / "configs.json")!r}))
bayesian = {list(BAYESIAN)!r}
order = sorted(configs, key=lambda name: name.split(">")[1] in bayesian)
for name in order:
    if name.split(">")[1] in bayesian:
        print("tfp before the Bayesian objects:", "tensorflow_probability" in sys.modules)
        bayesian = ()
    obj = keras.saving.deserialize_keras_object(configs[name])
    print(name, keras.saving.get_registered_name(type(obj)))
""")
    lines = out.splitlines()
    assert lines[0] == "model MCDropout"
    assert "tfp before the Bayesian objects: False" in lines
    loaded = dict(line.split() for line in lines if line.startswith("blur_keras>"))
    assert loaded == {name: name for name in registered}


def saved_mc_dropout_model(tmp_path):
    """A `.keras` file holding an `MCDropout` layer, for loading in a fresh process."""
    from blur_keras.layers import MCDropout
    path = tmp_path / "mc.keras"
    keras.Sequential([keras.Input((4,)), MCDropout(0.5), keras.layers.Dense(2)]).save(path)
    return path


@pytest.mark.slow
def test_keras_imported_first_then_blur_keras(tmp_path):
    path = saved_mc_dropout_model(tmp_path)
    out = run_fresh_python(f"""
import keras
import blur_keras
print(type(keras.saving.load_model({str(path)!r}).layers[0]).__name__)
""")
    assert out.split() == ["MCDropout"]


@pytest.mark.slow
def test_tensorflow_imported_after_blur_keras_then_keras(tmp_path):
    # TensorFlow asks whether Keras is installed (a find_spec) before it imports it, as every
    # program does through `startup.quiet_tensorflow_start`: that must not use the watch up.
    path = saved_mc_dropout_model(tmp_path)
    out = run_fresh_python(f"""
import blur_keras
import tensorflow as tf
import keras
print(type(keras.saving.load_model({str(path)!r}).layers[0]).__name__)
print(type(tf.keras.models.load_model({str(path)!r}).layers[0]).__name__)
from blur_keras.models import registry
print("resnet_bnn_18" in registry.names())
""")
    assert out.split() == ["MCDropout", "MCDropout", "True"]
