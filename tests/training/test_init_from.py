"""Fine-tuning runs (`TrainConfig.init_from`, `TrainConfig.retrofit`): the source's weights,
the retrofit, the run's identity, exact resumption and the refusals."""

import json
import os
import shutil

import keras
import numpy as np
import pytest

from blur_keras import evaluation, protocol
from blur_keras.publishing import publish
from blur_keras.retrofit import describe
from blur_keras.training import TrainConfig, train, trainer
from blur_keras.training.run_directory import check, claim
from blur_keras.zoo import PresetError
from tests.training.run_helpers import h5_arrays, run_train

pytestmark = pytest.mark.tensorflow_only

#: A run small enough for a test: 2 steps per epoch, 64 images per evaluation split.
TINY = dict(dataset="fashion_mnist", batch_size=32, train_subset=64, eval_subset=64,
            warmup_epochs=0, eval_ensemble_sizes=(1, 2), verbose=0)


def saved_model(path, model="resnet_dnn_18", width=4, seed=3):
    """A registry model with random weights (seeded), saved as a `.keras` file."""
    keras.utils.set_random_seed(seed)
    network = protocol.build_model(model, "fashion_mnist", {"width": width})
    network.save(path)
    return network


def test_a_preset_source_gives_its_architecture_and_the_run_records_its_weights(tmp_path):
    config = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path / "run"),
                         init_from="resnet_dnn_18.fmnist_w16",
                         retrofit={"padding": "reference"}).resolved()
    assert config.model_args == {"width": 16}                # taken from its card
    claim(config)
    recorded = json.load(open(tmp_path / "run" / "run.json"))
    assert recorded["init_from"] == "resnet_dnn_18.fmnist_w16"
    assert recorded["retrofit"] == {"padding": "reference"}
    assert len(recorded["init_sha256"]) == 64
    assert check(config) is None                             # the same run resumes
    other = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path / "run"),
                        init_from="resnet_dnn_18.fmnist_w16", retrofit={}).resolved()
    with pytest.raises(ValueError, match=r"retrofit \{'padding': 'reference'\} -> \{\}"):
        check(other)
    plain = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path / "run"),
                        model_args={"width": 16}).resolved()
    with pytest.raises(ValueError, match="init_from 'resnet_dnn_18.fmnist_w16' -> None"):
        check(plain)


def test_a_changed_source_file_is_another_init(tmp_path):
    source = str(tmp_path / "source.keras")
    saved_model(source)
    config = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path / "run"),
                         model_args={"width": 4}, init_from=source).resolved()
    assert config.init_from == source
    claim(config)
    saved_model(source, seed=4)                              # other weights, same path
    with pytest.raises(ValueError, match="init_sha256 '[0-9a-f]{64}' -> '[0-9a-f]{64}'"):
        check(config)


@pytest.mark.parametrize("options, message", [
    (dict(init_from="resnet_dnn_19.fmnist_w16"),
     "init_from 'resnet_dnn_19.fmnist_w16' is not a zoo preset (python -m blur_keras.zoo list), "
     "a .keras file or a training run directory (with run.json and model.keras); closest "
     "presets: resnet_dnn_18.fmnist_w16"),
    (dict(init_from="resnet_dnn_18"), "init_from 'resnet_dnn_18' is not a zoo preset"),
    (dict(init_from="gone/model.keras"), "init_from: file not found: gone/model.keras"),
    (dict(retrofit={}), "retrofit needs init_from"),
    (dict(init_from="resnet_dnn_18.fmnist_w16", model_args={"width": 8}),
     "Pass --model=resnet_dnn_18 and --model_args='{\"width\": 16}'"),
    (dict(init_from="resnet_dnn_smoothing_18.fmnist_w16"),
     "holds resnet_dnn_smoothing_18 with builder arguments"),
    (dict(init_from="resnet_dnn_18.fmnist_w16", retrofit={"pad": "same"}),
     "retrofit {\"pad\": \"same\"}: unknown options ['pad']"),
    (dict(init_from="resnet_dnn_18.fmnist_w16", mixed_precision="mixed_bfloat16"),
     "not supported with init_from"),
    (dict(epochs=0), "epochs must be >= 1 without init_from"),
])
def test_bad_init_options_are_one_clear_line(options, message, tmp_path):
    with pytest.raises(ValueError) as error:
        TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path), **options).resolved()
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.slow
@pytest.mark.real_data
def test_an_unknown_init_from_is_one_error_line_and_writes_nothing(tmp_path):
    result = run_train(tmp_path / "run", "--model=resnet_dnn_18",
                       "--init_from=resnet_dnn_19.fmnist_w16", "--retrofit={}", timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "error: init_from 'resnet_dnn_19.fmnist_w16' is not a zoo preset")
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
@pytest.mark.real_data
def test_a_source_that_is_not_the_run_network_is_refused_before_anything_is_written(tmp_path):
    source = str(tmp_path / "source.keras")
    saved_model(source)
    for model, retrofit, message in (
            ("resnet_dnn_smoothing_18", None, "init_from holds another network than "
                                              "resnet_dnn_smoothing_18 {\"width\": 4}"),
            ("resnet_dnn_18", {"stages": [7]}, "stages must be stage numbers")):
        with pytest.raises(ValueError, match="^" + json.dumps(message)[1:-1]
                           .replace("{", r"\{").replace("}", r"\}")):
            train(TrainConfig(model, model_dir=str(tmp_path / "run"), model_args={"width": 4},
                              init_from=source, retrofit=retrofit, epochs=1, **TINY))
        assert not (tmp_path / "run").exists()


@pytest.mark.slow
@pytest.mark.real_data
def test_zero_epochs_evaluate_the_source_as_it_is(tmp_path):
    source = saved_model(str(tmp_path / "source.keras"))
    config = TrainConfig("resnet_dnn_18", model_dir=str(tmp_path / "run"),
                         model_args={"width": 4}, init_from=str(tmp_path / "source.keras"),
                         validation="holdout", epochs=0, **TINY)
    result = train(config)
    assert result["status"] == "finished" and result["steps"] == 0
    assert result["history"] == {} and result["epochs_run_this_session"] == 0
    saved = h5_arrays(tmp_path / "run" / "model.weights.h5")
    assert len(saved) == len(source.weights) > 0
    exported = keras.saving.load_model(tmp_path / "run" / "model.keras", safe_mode=True)
    for a, b in zip(exported.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)
    resolved = config.resolved()
    for split, name in (("test", "test"), ("validation", "validation")):
        expected, _, _ = evaluation.evaluate_ensemble_sizes(
            source, trainer.evaluation_dataset(resolved, name), (1,), progress=False)
        for key, value in expected[1].items():   # NaN where a metric is undefined, in both
            np.testing.assert_allclose(result[split]["1"][key], value, rtol=1e-6, atol=1e-7,
                                       err_msg=key)
    # The run directory is a source in its turn: its run.json gives the architecture.
    again = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path / "next"),
                        init_from=str(tmp_path / "run")).resolved()
    assert again.model_args == {"width": 4} and again.init_from == str(tmp_path / "run")


@pytest.mark.slow
@pytest.mark.real_data
def test_a_retrofitted_run_saves_in_safe_mode_and_resumes_exactly(tmp_path):
    # MC dropout in the source, smoothing added: weights, dropout states and the schedule replay.
    saved_model(str(tmp_path / "source.keras"), model="resnet_mcdo_18")
    options = dict(model_args={"width": 4}, init_from=str(tmp_path / "source.keras"),
                   retrofit={"padding": "reference"}, epochs=2, schedule="cosine", lr=0.01,
                   validation="holdout", **TINY)
    whole = train(TrainConfig("resnet_mcdo_18", model_dir=str(tmp_path / "whole"), **options))
    assert whole["steps"] == 4
    model = keras.saving.load_model(tmp_path / "whole" / "model.keras", safe_mode=True)
    smoothing = [entry for entry in describe(model) if entry["kind"] == "smoothing"]
    assert len(smoothing) == 4 and {entry["padding"] for entry in smoothing} == {"full"}
    assert evaluation.is_stochastic(model)
    # A run killed after its first epoch: the second epoch's outputs were never written.
    killed = tmp_path / "killed"
    shutil.copytree(tmp_path / "whole", killed)
    shutil.rmtree(killed / "backup" / "epoch_2")
    for name in ("result.json", "model.keras", "model.weights.h5", "curves.json"):
        os.remove(killed / name)
    resumed = train(TrainConfig("resnet_mcdo_18", model_dir=str(killed), **options))
    assert resumed["epochs_run_this_session"] == 1 and resumed["steps"] == 4
    for key, values in whole["history"].items():
        np.testing.assert_allclose(resumed["history"][key], values, rtol=1e-5, err_msg=key)
    a = h5_arrays(tmp_path / "whole" / "model.weights.h5")
    b = h5_arrays(killed / "model.weights.h5")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-6, atol=1e-7, err_msg=key)
    with pytest.raises(ValueError, match="was retrofitted .* start from the model it was "):
        TrainConfig("resnet_mcdo_18", "fashion_mnist", str(tmp_path / "next"),
                    init_from=str(tmp_path / "whole")).resolved()
    with pytest.raises(PresetError, match="was fine-tuned from .* and retrofitted"):
        publish(str(tmp_path / "whole"), "resnet_mcdo_18.tiny", str(tmp_path / "zoo"))
