"""`run_analysis` on real Fashion-MNIST and `python -m blur_keras.analysis` end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import keras
from scipy.special import log_softmax

from blur_keras.analysis import run_analysis
from blur_keras.data import load_idx_arrays
from blur_keras.layers import MCDropout, SpatialSmoothing

pytestmark = pytest.mark.tensorflow_only


def fashion_model(smoothing=True):
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(2, 3, strides=2, padding="same", name="stage1_block1_conv")(inputs)
    x = keras.layers.ReLU(name="stage1_block1_out")(x)
    x = MCDropout(0.3, seed=1, name="stage1_block2_out")(x)
    if smoothing:
        x = SpatialSmoothing(name="stage1_smooth")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(10, name="logits")(x), name="tiny")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def test_variance_and_fourier_on_test_images(tmp_path):
    outcome = run_analysis(fashion_model(), "variance", str(tmp_path), batch_size=8,
                           num_samples=3, progress=False)
    result = outcome["result"]
    assert list(result) == ["stage1_block1_out", "stage1_block2_out", "stage1_smooth"]
    assert result["stage1_block1_out"]["model_uncertainty"] == 0.0   # before the dropout
    assert result["stage1_block2_out"]["model_uncertainty"] > 0
    saved = read_json(tmp_path / "variance.json")
    assert saved["result"] == result and saved["config"]["num_samples"] == 3
    assert (tmp_path / "variance.png").stat().st_size > 1000
    fourier = run_analysis(fashion_model(), "fourier", str(tmp_path), batch_size=8,
                           layer_names=["stage1_smooth"], progress=False)["result"]
    assert list(fourier) == ["stage1_smooth"]
    assert fourier["stage1_smooth"]["frequency_over_pi"] == pytest.approx(np.arange(8) / 7)


def test_landscape_centre_is_the_nll_of_the_first_training_images(tmp_path):
    model, twin = fashion_model(), fashion_model()
    twin.set_weights(model.get_weights())
    result = run_analysis(model, "landscape", str(tmp_path), grid_size=3, subset=16,
                          augment=False, progress=False)["result"]
    images, labels = load_idx_arrays("fashion_mnist", "train")
    x = ((images[:16] / 255.0 - 0.2860) / 0.3530).astype("float32")
    logits = np.asarray(twin.predict_on_batch(x), np.float64)   # the same dropout masks
    expected = -log_softmax(logits, axis=-1)[np.arange(16), labels[:16]].mean()
    assert result["center"] == pytest.approx(expected, rel=1e-5)
    assert np.array(result["losses"]).shape == (3, 3)
    assert (tmp_path / "landscape.png").stat().st_size > 1000


def test_hessian_and_spectrum(tmp_path):
    hessian = run_analysis(fashion_model(), "hessian", str(tmp_path), batch_size=8,
                           num_batches=2, iterations=3, progress=False)["result"]
    assert len(hessian["eigenvalues"]) == 2
    assert hessian["mean"] == pytest.approx(np.mean(hessian["eigenvalues"]))
    spectrum = run_analysis(fashion_model(), "spectrum", str(tmp_path), batch_size=8,
                            num_batches=1, num_steps=3, progress=False)["result"]
    assert len(spectrum["nodes"]) == 3 and sum(spectrum["weights"]) == pytest.approx(1.0)
    assert (tmp_path / "hessian.png").exists() and (tmp_path / "spectrum.png").exists()


def test_errors_come_before_any_data_is_read(tmp_path):
    with pytest.raises(ValueError, match="grid_size must be an integer >= 2"):
        run_analysis(fashion_model(), "landscape", str(tmp_path), grid_size=1)
    with pytest.raises(ValueError, match="analysis must be one of"):
        run_analysis(fashion_model(), "curvature", str(tmp_path))
    cifar_model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                                    keras.layers.Dense(10)])
    with pytest.raises(ValueError, match=r"fashion_mnist images are \(28, 28, 1\)"):
        run_analysis(cifar_model, "variance", str(tmp_path))
    assert not os.listdir(tmp_path)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "blur_keras.analysis", *args],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    fashion_model().save(path)
    return path


@pytest.mark.slow
def test_cli_writes_the_figure_and_the_numbers(saved_model, tmp_path):
    result = run_cli(f"--model={saved_model}", "--analysis=landscape", "--grid_size=3",
                     "--subset=32", "--batch_size=16", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "centre NLL" in result.stdout and "landscape.json" in result.stdout
    saved = read_json(tmp_path / "landscape.json")
    assert saved["config"]["model"] == "tiny" and saved["config"]["subset"] == 32
    assert (tmp_path / "landscape.png").stat().st_size > 1000


@pytest.mark.slow
def test_cli_puts_several_models_side_by_side(saved_model, tmp_path):
    plain = tmp_path / "plain.keras"
    fashion_model(smoothing=False).save(plain)
    out = tmp_path / "out"
    result = run_cli(f"--model={plain},{saved_model}", "--analysis=fourier", "--batch_size=4",
                     "--layers=stage1_block2_out,stage1_smooth", f"--output_dir={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(read_json(out / "plain" / "fourier.json")["result"]) == ["stage1_block2_out"]
    assert list(read_json(out / "tiny" / "fourier.json")["result"]) == [
        "stage1_block2_out", "stage1_smooth"]
    assert (out / "fourier.png").stat().st_size > 1000
    same_name = run_cli(f"--model={saved_model},{saved_model}", "--analysis=fourier",
                        f"--output_dir={out}")
    assert same_name.returncode == 2 and "its own name" in same_name.stderr


@pytest.mark.slow
def test_cli_runs_on_a_shipped_zoo_preset(tmp_path):
    result = run_cli("--preset=resnet_mcdo_smoothing_18.fmnist_w16", "--analysis=fourier",
                     "--layers=stage1_block2_out,stage1_smooth", "--batch_size=8",
                     f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    saved = read_json(tmp_path / "fourier.json")
    assert saved["config"]["model"] == "resnet_mcdo_smoothing_18.fmnist_w16"
    # Stage 1 runs at 28x28 (even: the diagonal ends at pi); the "full" 2x2 blur grows it to 29x29.
    assert saved["result"]["stage1_block2_out"]["frequency_over_pi"][-1] == pytest.approx(1.0)
    assert len(saved["result"]["stage1_smooth"]["frequency_over_pi"]) == 15
    assert (tmp_path / "fourier.png").stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.parametrize("args, message", [
    (["--analysis=landscape", "--preset=some_preset"], "exactly one of --model"),
    (["--analysis=curvature"], "analysis must be one of"),
])
def test_cli_errors_exit_2_with_one_line(saved_model, tmp_path, args, message):
    result = run_cli(f"--model={saved_model}", f"--output_dir={tmp_path}", *args)
    assert result.returncode == 2
    assert "error: " in result.stderr and message in result.stderr
    assert not os.listdir(tmp_path)
