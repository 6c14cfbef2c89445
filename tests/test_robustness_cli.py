"""`python -m blur_keras.robustness` end to end."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import keras

# Every test starts a program in a new process.
pytestmark = [pytest.mark.tensorflow_only, pytest.mark.slow]


def run_module(module, *args):
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.fixture(scope="module")
def fashion_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "small.keras"
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, strides=2),
                      keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)]).save(path)
    return path


@pytest.mark.real_data
def test_generated_corruptions_consistency_and_a_baseline_run(fashion_model, tmp_path):
    out = tmp_path / "out"
    result = run_module("blur_keras.robustness", f"--model={fashion_model}",
                        "--dataset=fashion_mnist", "--subset=48", "--corruptions=fog,pixelate",
                        "--severities=1,5", "--perturbations=rotate", "--frames=3",
                        f"--output_dir={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fog s5: acc" in result.stdout and "rotate: cons" in result.stdout
    rows = list(csv.DictReader(open(out / "corruptions.csv")))
    assert [(r["corruption"], r["severity"]) for r in rows] == [
        ("fog", "1"), ("fog", "5"), ("pixelate", "1"), ("pixelate", "5")]
    for name in ("heatmap_accuracy.png", "heatmap_nll.png", "heatmap_ece.png",
                 "metric_vs_severity.png"):
        assert (out / name).stat().st_size > 1000
    assert set(json.load(open(out / "consistency.json"))["consistency"]["rotate"]) == {
        "cons", "cec", "cross_entropy", "flip_rate"}
    assert "Baseline: none registered for generated fashion_mnist data" in result.stdout
    assert "Model outputs: logits (no final softmax" in result.stdout
    # The same model and seed as its own baseline: every relative score is 100%.
    again = run_module("blur_keras.robustness", f"--model={fashion_model}",
                       "--dataset=fashion_mnist", "--subset=48", "--corruptions=fog,pixelate",
                       "--severities=1,5", f"--baseline={out / 'corruptions.json'}",
                       f"--output_dir={tmp_path / 'again'}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "mCE 100.00%  mCNLL 100.00%  mCECE 100.00%" in again.stdout
    assert f"Baseline: {out / 'corruptions.json'} (" in again.stdout


def test_published_cifar100_c_scored_against_alexnet(tmp_path):
    corrupted = tmp_path / "CIFAR-100-C"
    corrupted.mkdir()
    rng = np.random.default_rng(0)
    np.save(corrupted / "snow.npy", rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8))
    np.save(corrupted / "labels.npy", rng.integers(0, 100, 20))
    model = tmp_path / "c100.keras"
    keras.Sequential([keras.Input((32, 32, 3)), keras.layers.GlobalAveragePooling2D(),
                      keras.layers.Dense(100)]).save(model)
    result = run_module("blur_keras.robustness", f"--model={model}", "--dataset=cifar100",
                        "--source=published", f"--corrupted_dir={corrupted}",
                        "--corruptions=snow", f"--output_dir={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Baseline: cifar100_c_alexnet (" in result.stdout
    assert "relative to cifar100_c_alexnet, over 1 corruptions" in result.stdout
    saved = json.load(open(tmp_path / "out" / "corruptions.json"))
    assert set(saved["table"]["snow"]) == {"1", "2", "3", "4", "5"}
    assert saved["scores"]["corruptions"] == ["snow"]


@pytest.mark.parametrize("args, message", [
    pytest.param(["--corruptions=mist"], "unknown: ['mist']", marks=pytest.mark.real_data),
    (["--corruptions=none"], "Nothing to do"),
    (["--baseline=/no/such.json"], "neither auto, none, a registered baseline"),
    (["--baseline=BAD_JSON"], "is not valid JSON"),
    (["--baseline=cifar100_c_alexnet"], "baseline cifar100_c_alexnet was measured on published "
                                        "cifar100 data, this run scores generated fashion_mnist"),
    (["--subset=0"], "--subset must be a positive integer; got 0."),
    (["--batch_size=0"], "--batch_size must be a positive integer; got 0."),
    (["--output_dir=A_FILE"], "is a file, not a directory"),
    (['--model_args={"width": 16}'], "--model_args is for registry names"),
])
def test_bad_arguments_fail_before_any_compute(fashion_model, args, message, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "a_file").write_text("")
    args = [a.replace("BAD_JSON", str(tmp_path / "bad.json"))
            .replace("A_FILE", str(tmp_path / "a_file")) for a in args]
    result = run_module("blur_keras.robustness", f"--model={fashion_model}", "--subset=8",
                        f"--output_dir={tmp_path / 'out'}", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]
    assert [l for l in result.stderr.splitlines() if l.startswith("error:")] == \
        [result.stderr.strip().splitlines()[-1]]
    assert "Model outputs" not in result.stdout        # the model was not even loaded


def test_published_data_errors_and_no_published_baseline_for_generated_data(fashion_model,
                                                                             tmp_path):
    result = run_module("blur_keras.robustness", f"--model={fashion_model}", "--subset=8",
                        "--dataset=cifar100", "--source=published", "--corruptions=fog",
                        f"--output_dir={tmp_path}")
    assert result.returncode == 2 and "zenodo" in result.stderr, result.stderr[-2000:]
    # Generated CIFAR-100 corruptions: auto does not pick the published AlexNet sums (and
    # without the clean CIFAR-100 here, no download by default: a quick clear error).
    result = run_module("blur_keras.robustness", f"--model={fashion_model}", "--subset=8",
                        "--dataset=cifar100", "--corruptions=fog", f"--output_dir={tmp_path}")
    assert "Baseline: none registered for generated cifar100 data" in result.stdout
    assert result.returncode == 2 and "No data for cifar100 test" in result.stderr
    assert "tfds (no download)" in result.stderr


@pytest.mark.real_data
def test_registry_name_with_the_builder_arguments_of_its_weights(tmp_path):
    weights = tmp_path / "w8.weights.h5"
    keras.utils.set_random_seed(0)
    import blur_keras.models as models
    models.get("resnet_dnn_18", width=8, input_shape=(28, 28, 1),
               num_classes=10).save_weights(weights)
    common = ["--model=resnet_dnn_18", f"--weights={weights}", "--subset=8",
              "--corruptions=fog", "--severities=1", f"--output_dir={tmp_path / 'out'}"]
    right = run_module("blur_keras.robustness", *common, '--model_args={"width": 8}')
    assert right.returncode == 0, right.stderr[-3000:]
    saved = json.load(open(tmp_path / "out" / "corruptions.json"))
    assert saved["config"]["model_args"] == {"width": 8}
    wrong = run_module("blur_keras.robustness", *common)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1, wrong.stderr[-3000:]
    assert "layer stem_conv" in wrong.stderr and "--model_args" in wrong.stderr
