"""pytest configuration shared by the whole suite."""

import functools
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# channels_first convolutions train on CPU only through oneDNN (TensorFlow's own NCHW filter
# gradient is NHWC-only); some machines start with it off.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras  # noqa: E402
import pytest  # noqa: E402

HOW_TO_GET_DATA = (
    "apt-get install dataset-fashion-mnist, or set BLUR_KERAS_DATA_DIR to a directory with the four "
    "IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte, each optionally .gz)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "real_data: reads the real Fashion-MNIST IDX files; skipped, saying why, when "
        "they are missing and BLUR_KERAS_ALLOW_MISSING_DATA=1")


@functools.cache
def fashion_mnist_missing() -> str | None:
    """Where the real Fashion-MNIST files were looked for in vain, or None when both splits load."""
    from blur_keras.data import load_idx_arrays
    try:
        for split in ("test", "train"):
            load_idx_arrays("fashion_mnist", split)
    except FileNotFoundError as error:
        return str(error)
    return None


def pytest_runtest_setup(item):
    """Without the real files a `real_data` test is skipped when allowed, else fails saying why."""
    if item.get_closest_marker("real_data") is None or fashion_mnist_missing() is None:
        return
    if os.environ.get("BLUR_KERAS_ALLOW_MISSING_DATA") == "1":
        pytest.skip(f"needs the real Fashion-MNIST files (BLUR_KERAS_ALLOW_MISSING_DATA=1): "
                    f"{HOW_TO_GET_DATA}")
    pytest.fail(f"this test reads the real Fashion-MNIST files, which are missing: "
                f"{HOW_TO_GET_DATA}; or set BLUR_KERAS_ALLOW_MISSING_DATA=1 to skip such tests. "
                f"({fashion_mnist_missing()})", pytrace=False)


@pytest.fixture(autouse=True)
def _reset_keras_state():
    """Every test starts from float32, channels_last and a fixed seed."""
    keras.config.set_dtype_policy("float32")
    keras.config.set_image_data_format("channels_last")
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")
    keras.config.set_image_data_format("channels_last")
