"""`blur_keras.evaluation`: the API and `python -m blur_keras.evaluation` end to end."""

import csv
import json
import os
import subprocess
import sys

import pytest
import keras

import blur_keras.models as models
from blur_keras import evaluation
from blur_keras.layers import MCDropout

pytestmark = pytest.mark.tensorflow_only


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "blur_keras.evaluation", *args],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def small_mc_model():
    return keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        MCDropout(0.3), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)])


@pytest.mark.real_data
def test_api_reports_every_ensemble_size():
    from blur_keras.data import load
    ds = load("fashion_mnist", "test", batch_size=100, training=False, subset=300, download=False)
    results, probs, labels = evaluation.evaluate_ensemble_sizes(
        small_mc_model(), ds, [1, 2, 5], progress=False)
    assert list(results) == [1, 2, 5] and len(labels) == 300
    assert set(results[1]) >= {"nll", "accuracy", "ece", "brier"}
    assert probs[5].shape == (300, 10)
    # A deterministic model is evaluated once.
    det, _, _ = evaluation.evaluate_ensemble_sizes(
        keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                          keras.layers.Dense(10)]), ds, [1, 2, 5], progress=False)
    assert list(det) == [1]


@pytest.mark.slow
@pytest.mark.real_data
def test_cli_with_keras_file_writes_table_csv_json_and_plots(tmp_path):
    model_path = tmp_path / "mc.keras"
    small_mc_model().save(model_path)
    out = tmp_path / "out"
    result = run_cli(f"--model={model_path}", "--dataset=fashion_mnist", "--subset=200",
                     "--ensemble_sizes=1,2,4", f"--output_dir={out}", "--nodownload")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(200 examples)" in result.stdout and "accuracy" in result.stdout
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [r["ensemble_size"] for r in rows] == ["1", "2", "4"]
    saved = json.load(open(out / "results.json"))
    assert saved["config"]["dataset"] == "fashion_mnist" and set(saved["results"]) == {"1", "2", "4"}
    for plot in ("reliability.png", "ensemble_size.png"):
        assert (out / plot).stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.real_data
def test_cli_with_registry_name_and_weights(tmp_path):
    model = models.get("resnet_mcdo_smoothing_18", input_shape=(28, 28, 1), num_classes=10)
    weights = tmp_path / "model.weights.h5"
    model.save_weights(weights)
    result = run_cli("--model=resnet_mcdo_smoothing_18", f"--weights={weights}",
                     "--dataset=fashion_mnist", "--subset=16", "--batch_size=16",
                     "--ensemble_sizes=1,2", f"--output_dir={tmp_path / 'out'}", "--nodownload")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resnet_mcdo_smoothing_18 on fashion_mnist test (16 examples)" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("args,message", [
    (["--model=missing.keras"], "--model: file not found: missing.keras"),
    (["--model=resnet_mcdo_smoothing_18"], "--weights is required"),
    (["--model=resnet_dnn_18", "--weights=nowhere.weights.h5"],
     "--weights: file not found: nowhere.weights.h5"),
    (["--model=resnet_mcdo_smoothing_19", "--weights=x"], "Unknown model name"),
    (["--model=x.keras", "--dataset=svhn"], "Unknown dataset 'svhn'"),
])
def test_cli_errors_are_clear_and_nonzero(args, message, tmp_path):
    result = run_cli(*args, f"--output_dir={tmp_path}", "--nodownload")
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.slow
def test_cli_checks_output_dir_and_data_dir_before_evaluating(tmp_path):
    model_path = tmp_path / "mc.keras"
    small_mc_model().save(model_path)
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for args, message in [([f"--output_dir={a_file}"], f"--output_dir={a_file} is a file"),
                          ([f"--output_dir={tmp_path}", "--data_dir=/nonexistent"],
                           "--data_dir: directory not found: /nonexistent")]:
        result = run_cli(f"--model={model_path}", "--subset=8", *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]
        assert "Model outputs" not in result.stdout     # nothing loaded, nothing evaluated


@pytest.mark.slow
def test_cli_does_not_download_by_default_and_says_how_to_get_the_data(tmp_path):
    model_path = tmp_path / "c10.keras"
    keras.Sequential([keras.Input((32, 32, 3)), keras.layers.GlobalAveragePooling2D(),
                      keras.layers.Dense(10)]).save(model_path)
    result = run_cli(f"--model={model_path}", "--dataset=cifar10", f"--output_dir={tmp_path}")
    assert result.returncode == 2 and "No data for cifar10 test" in result.stderr
    assert "tfds (no download)" in result.stderr and "--download" in result.stderr
    assert "tfds (download)" not in result.stderr


@pytest.mark.slow
def test_cli_scores_a_softmax_model_on_its_probabilities(tmp_path):
    model_path = tmp_path / "soft.keras"
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                      keras.layers.Dense(10, activation="softmax")]).save(model_path)
    out = tmp_path / "out"
    result = run_cli(f"--model={model_path}", "--subset=64", f"--output_dir={out}",
                     "--ece_binning=reference")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Model outputs: probabilities (its last layer applies a softmax)" in result.stdout
    saved = json.load(open(out / "results.json"))
    assert saved["config"]["outputs"] == "probabilities"
    assert saved["config"]["ece_binning"] == "reference"
    # Softmaxed twice, the 10 probabilities would be squeezed towards 1/10 (NLL near log 10).
    from blur_keras import data, metrics, predict
    images, labels = data.load_arrays("fashion_mnist", "test", subset=64)
    x = (images.astype("float32") / 255 - 0.2860) / 0.3530
    probs = predict.predict_proba(keras.saving.load_model(model_path), x, outputs="probabilities")
    assert saved["results"]["1"]["nll"] == pytest.approx(metrics.nll(probs, labels), rel=1e-5)


@pytest.mark.slow
@pytest.mark.real_data
def test_cli_writes_json_that_every_parser_reads(tmp_path):
    model_path = tmp_path / "uniform.keras"          # probabilities 1/10: no confident example
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                      keras.layers.Dense(10, kernel_initializer="zeros")]).save(model_path)
    result = run_cli(f"--model={model_path}", "--subset=16", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    saved = json.loads((tmp_path / "results.json").read_text(), parse_constant=refuse)
    assert saved["results"]["1"]["acc90"] is None and saved["results"]["1"]["freq90"] == 0


@pytest.mark.slow
@pytest.mark.real_data
def test_cli_evaluates_a_registry_name_with_the_builder_arguments_of_its_weights(tmp_path):
    weights = tmp_path / "w16.weights.h5"
    keras.utils.set_random_seed(0)
    models.get("resnet_dnn_18", width=16, input_shape=(28, 28, 1),
               num_classes=10).save_weights(weights)
    common = ["--model=resnet_dnn_18", f"--weights={weights}", "--subset=16",
              f"--output_dir={tmp_path / 'out'}"]
    right = run_cli(*common, '--model_args={"width": 16}')
    assert right.returncode == 0, right.stderr[-3000:]
    saved = json.load(open(tmp_path / "out" / "results.json"))
    assert saved["config"]["model_args"] == {"width": 16}
    # Without them (width 64): one line, naming the layer, the shapes and the remedy.
    wrong = run_cli(*common)
    assert wrong.returncode == 2
    assert wrong.stderr.count("\n") == 1 and wrong.stderr.startswith("error: "), wrong.stderr
    assert "layer stem_conv: the model has a weight of shape (3, 3, 1, 64), the file " \
           "(3, 3, 1, 16)" in wrong.stderr and "--model_args" in wrong.stderr
    for args, message in ((['--model_args={"widht": 16}'], "are not arguments of"),
                          (["--model_args=[16]"], "--model_args must be a JSON object"),
                          (["--model_args={width}"], "--model_args is not valid JSON")):
        bad = run_cli(*common, *args)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr[-2000:]


@pytest.mark.slow
def test_cli_incompatible_weights_and_unknown_dataset(tmp_path):
    weights = tmp_path / "vgg.weights.h5"
    models.get("alexnet_dnn", input_shape=(28, 28, 1), num_classes=10).save_weights(weights)
    result = run_cli("--model=resnet_dnn_18", f"--weights={weights}", "--nodownload",
                     f"--output_dir={tmp_path}")
    assert result.returncode != 0 and "do not fit resnet_dnn_18" in result.stderr
    model_path = tmp_path / "mc.keras"
    small_mc_model().save(model_path)
    result = run_cli(f"--model={model_path}", "--dataset=svhn", f"--output_dir={tmp_path}")
    assert result.returncode != 0 and "Unknown dataset 'svhn'" in result.stderr
