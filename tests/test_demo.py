import os
import subprocess
import sys


def test_demo_runs_on_real_fashion_mnist(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "blur_keras.demo", f"--output_dir={tmp_path}", "--index=1"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Fashion-MNIST test image 1 (Pullover)" in result.stdout
    assert "4 SpatialSmoothing layers" in result.stdout
    assert (tmp_path / "smoothing_steps.png").stat().st_size > 10_000


def test_demo_rejects_bad_index(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "blur_keras.demo", f"--output_dir={tmp_path}", "--index=10000"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode != 0
    assert "--index must be in [0, 10000)" in result.stderr
