"""`python -m blur_keras.retrofit` end to end."""

import os
import subprocess
import sys

import pytest
import keras

# Every test starts a program in a new process.
pytestmark = [pytest.mark.tensorflow_only, pytest.mark.slow]


def run_retrofit(*args):
    return subprocess.run([sys.executable, "-m", "blur_keras.retrofit", *args],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def test_a_zoo_preset_is_retrofitted_described_and_saved(tmp_path):
    from blur_keras.retrofit import describe
    output = tmp_path / "smoothed.keras"
    result = run_retrofit("--model=resnet_dnn_18.fmnist_w16", f"--output={output}",
                          "--smoothing={\"padding\": \"reference\"}", "--stages=2,4",
                          "--mc_dropout=0.3")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[4] == ("stage 2  smoothing   stage2_block2_out_smoothing: stage2_block2_out -> "
                        "stage3_block1_conv1_pad, stage3_block1_shortcut_conv "
                        "(tanh, kernel [1, 1], padding full)")
    assert sum("mc_dropout" in line for line in lines) == 8
    assert lines[-1] == f"saved resnet_dnn_18_retrofit to {output}"
    restored = keras.saving.load_model(output, safe_mode=True)
    assert [(e["kind"], e.get("stage")) for e in describe(restored) if e["kind"] == "smoothing"] \
        == [("smoothing", 2), ("smoothing", 4)]


@pytest.mark.parametrize("flags, message", [
    (["--smoothing=blur"], "--smoothing must be true, false or a JSON object; got 'blur'."),
    (["--stages=two"], "--stages must be comma-separated integers; got 'two'."),
    (["--output=out.h5"], "--output must be a .keras file; got 'out.h5'."),
    (["--model=missing.keras"], "--model: file not found: missing.keras"),
    (["--smoothing={\"prob\": \"cosine\"}"], "Unknown Prob kind 'cosine'"),
])
def test_bad_flags_are_one_error_line_and_exit_2(flags, message, tmp_path):
    defaults = {"--model": "resnet_dnn_18.fmnist_w16", "--output": str(tmp_path / "x.keras")}
    for flag in flags:
        defaults[flag.split("=")[0]] = flag.split("=", 1)[1]
    result = run_retrofit(*(f"{key}={value}" for key, value in defaults.items()))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {message}")
    assert not (tmp_path / "x.keras").exists()


def test_a_model_that_cannot_be_retrofitted_is_one_error_line(tmp_path):
    path = tmp_path / "stem_only.keras"
    keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, strides=2),
                      keras.layers.Flatten(), keras.layers.Dense(2)], name="stem_only").save(path)
    result = run_retrofit(f"--model={path}", f"--output={tmp_path / 'out.keras'}")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: model 'stem_only' subsamples nowhere after its stem: "
                                     "there is no stage end to smooth.")
