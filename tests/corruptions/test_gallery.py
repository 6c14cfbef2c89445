"""`python -m blur_keras.corruptions`: one image under every corruption and severity."""

import os
import subprocess
import sys

import numpy as np
import pytest

from blur_keras import corruptions


def test_gallery_grid_rows_are_the_corruptions_and_columns_the_severities():
    image = np.random.default_rng(0).uniform(size=(28, 28, 1)).astype(np.float32)
    grid, rows = corruptions.gallery_grid(image, seed=1)
    assert rows == corruptions.names(extra=True)
    assert grid.shape == (len(rows), len(corruptions.SEVERITIES), 28, 28, 1)


@pytest.mark.slow
@pytest.mark.real_data
def test_gallery_program(tmp_path):
    out = tmp_path / "gallery.png"
    environment = {key: value for key, value in os.environ.items()
                   if key != "TF_CPP_MIN_LOG_LEVEL"}      # as a user starts it
    result = subprocess.run([sys.executable, "-m", "blur_keras.corruptions", "--index=3",
                             f"--output={out}"], capture_output=True, text=True, timeout=600,
                            env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    # TensorFlow's start-up logs are kept out, as in every other program.
    assert result.stderr == "", result.stderr[-3000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 50_000
