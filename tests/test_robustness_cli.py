"""`python -m blur_keras.robustness` end to end, and the corruption gallery script."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import keras

pytestmark = pytest.mark.tensorflow_only


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
        "cons", "cec", "flip_rate"}
    # The same model and seed as its own baseline: every relative score is 100%.
    again = run_module("blur_keras.robustness", f"--model={fashion_model}",
                       "--dataset=fashion_mnist", "--subset=48", "--corruptions=fog,pixelate",
                       "--severities=1,5", f"--baseline={out / 'corruptions.json'}",
                       f"--output_dir={tmp_path / 'again'}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "mCE 100.00%  mCNLL 100.00%  mCECE 100.00%" in again.stdout


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
    assert "mCE" in result.stdout and "over 1 corruptions" in result.stdout
    saved = json.load(open(tmp_path / "out" / "corruptions.json"))
    assert set(saved["table"]["snow"]) == {"1", "2", "3", "4", "5"}
    assert saved["scores"]["corruptions"] == ["snow"]


@pytest.mark.parametrize("args, message", [
    pytest.param(["--corruptions=mist"], "unknown: ['mist']", marks=pytest.mark.real_data),
    (["--corruptions=none"], "Nothing to do"),
    (["--baseline=/no/such.json"], "--baseline must be"),
    (["--dataset=cifar100", "--source=published", "--corruptions=fog"], "zenodo"),
])
def test_errors_exit_2_with_a_message(fashion_model, args, message, tmp_path):
    result = run_module("blur_keras.robustness", f"--model={fashion_model}", "--subset=8",
                        f"--output_dir={tmp_path}", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]


@pytest.mark.real_data
def test_gallery_script(tmp_path):
    out = tmp_path / "gallery.png"
    result = run_module("blur_keras.corruption_gallery", "--index=3", f"--output={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 50_000
