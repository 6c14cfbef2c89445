import gzip

import numpy as np
import pytest

from blur_keras.data import load_idx_arrays, read_idx
from blur_keras.data.idx_datasets import candidate_dirs


def write_idx(path, array, dtype_code=0x08):
    header = bytes([0, 0, dtype_code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.mark.real_data
def test_real_fashion_mnist_test_split():
    images, labels = load_idx_arrays("fashion_mnist", "test")
    assert images.shape == (10000, 28, 28, 1) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    # First test images of the published set: ankle boot, pullover, trouser.
    assert labels[:3].tolist() == [9, 2, 1]
    assert np.bincount(labels).tolist() == [1000] * 10


@pytest.mark.real_data
def test_real_fashion_mnist_train_split():
    images, labels = load_idx_arrays("fashion_mnist", "train")
    assert images.shape == (60000, 28, 28, 1)
    assert np.bincount(labels).tolist() == [6000] * 10


def test_round_trip_and_data_dir_first(tmp_path):
    images = np.arange(10000 * 28 * 28).reshape(10000, 28, 28) % 256
    labels = np.arange(10000) % 10
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    assert candidate_dirs("mnist", str(tmp_path))[0] == str(tmp_path)
    x, y = load_idx_arrays("mnist", "test", data_dir=str(tmp_path))
    np.testing.assert_array_equal(x[..., 0], images)
    np.testing.assert_array_equal(y, labels)


def test_env_variable_is_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("BLUR_KERAS_DATA_DIR", str(tmp_path))
    assert str(tmp_path / "mnist") in candidate_dirs("mnist")


def test_missing_files_error_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("BLUR_KERAS_DATA_DIR", str(tmp_path))
    if candidate_dirs("mnist")[-1] and __import__("os").path.isdir(candidate_dirs("mnist")[-1]):
        pytest.skip("Debian's mnist package is installed")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError) as error:
        load_idx_arrays("mnist", "test", data_dir=str(tmp_path / "empty"))
    message = str(error.value)
    assert "t10k-images-idx3-ubyte" in message and str(tmp_path) in message
    assert "BLUR_KERAS_DATA_DIR" in message and "apt-get install dataset-mnist" in message


def test_corrupt_and_wrong_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(bad)
    truncated = tmp_path / "t10k-images-idx3-ubyte.gz"
    with gzip.open(truncated, "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + np.asarray([10], ">u4").tobytes() + b"\x00" * 5)
    with pytest.raises(ValueError, match="damaged \\(truncated or corrupt\\)"):
        read_idx(truncated)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((5, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(5))
    with pytest.raises(ValueError, match="expected 10000 images"):
        load_idx_arrays("mnist", "test", data_dir=str(tmp_path))


def test_data_dir_expands_home_and_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "idx").mkdir()
    write_idx(tmp_path / "idx" / "t10k-images-idx3-ubyte.gz", np.zeros((10000, 28, 28)))
    write_idx(tmp_path / "idx" / "t10k-labels-idx1-ubyte.gz", np.arange(10000) % 10)
    _, labels = load_idx_arrays("mnist", "test", data_dir="~/idx")
    assert labels[:3].tolist() == [0, 1, 2]
    with pytest.raises(FileNotFoundError, match="data_dir /nonexistent does not exist"):
        load_idx_arrays("fashion_mnist", "test", data_dir="/nonexistent")
    monkeypatch.setenv("BLUR_KERAS_DATA_DIR", "~/gone")
    with pytest.raises(FileNotFoundError, match="BLUR_KERAS_DATA_DIR ~/gone does not exist"):
        load_idx_arrays("fashion_mnist", "test")


def test_truncated_gzip_is_named_as_damaged(tmp_path):
    # The real Fashion-MNIST test labels, cut short: gzip raises a bare EOFError.
    whole = open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", "rb").read()
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(whole[:len(whole) // 2])
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((10000, 28, 28)))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz is damaged: its gzip "
                                         "stream is truncated") as error:
        load_idx_arrays("fashion_mnist", "test", data_dir=str(tmp_path))
    assert "apt-get install --reinstall dataset-fashion-mnist" in str(error.value)


def test_unknown_name_and_split():
    with pytest.raises(ValueError, match="No IDX dataset"):
        load_idx_arrays("cifar10", "test")
    with pytest.raises(ValueError, match="Unknown split"):
        load_idx_arrays("fashion_mnist", "validation")
