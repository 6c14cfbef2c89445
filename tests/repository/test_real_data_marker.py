"""tests/conftest.py on a machine without the Fashion-MNIST files: `real_data` tests say why."""

import os
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow      # runs pytest in a new process, twice

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Runs one real_data test twice, with and without BLUR_KERAS_ALLOW_MISSING_DATA=1, after moving
# Debian's directory to a path that does not exist; prints the two exit codes last.
RUN_WITHOUT_DATA = """
import os
import sys
import pytest
import blur_keras.data.idx_datasets as idx_datasets
idx_datasets.IDX_DATASETS["fashion_mnist"] = (10, sys.argv[1])
codes = []
for allow in ("1", ""):
    os.environ["BLUR_KERAS_ALLOW_MISSING_DATA"] = allow
    codes.append(int(pytest.main([
        "-q", "-rsE", "-p", "no:cacheprovider", "-p", "no:xdist",
        "tests/data/test_idx_datasets.py::test_real_fashion_mnist_test_split"])))
print(codes)
"""


def test_missing_data_skips_when_allowed_else_fails_with_the_reason(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("BLUR_KERAS_DATA_DIR", "BLUR_KERAS_ALLOW_MISSING_DATA")}
    result = subprocess.run([sys.executable, "-c", RUN_WITHOUT_DATA, str(tmp_path / "nowhere")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    allowed, refused = result.stdout.split("1 skipped")
    assert refused.strip().endswith("[0, 1]"), result.stdout   # skipped: 0; an error: 1
    assert "1 error" in refused and "Traceback" not in refused
    for output in (allowed, refused):
        assert "apt-get install dataset-fashion-mnist" in output
        assert "BLUR_KERAS_DATA_DIR to a directory with the four IDX files" in output
    assert "BLUR_KERAS_ALLOW_MISSING_DATA=1 to skip such tests" in refused
