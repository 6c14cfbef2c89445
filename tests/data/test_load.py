import re

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from blur_keras.data import DATASETS, describe_split, get_spec, load, source_dataset, split_range
from blur_keras.data.idx_datasets import load_idx_arrays

pytestmark = pytest.mark.tensorflow_only


def batches(ds, n=2):
    return [(x.numpy(), y.numpy()) for x, y in ds.take(n)]


@pytest.mark.real_data
def test_fashion_mnist_test_split_is_normalised_real_data():
    ds = load("fashion_mnist", "test", batch_size=500, training=False, download=False)
    x, y = next(iter(ds))
    assert x.shape == (500, 28, 28, 1) and x.dtype == "float32" and y.dtype == "int32"
    assert y.numpy()[:3].tolist() == [9, 2, 1]     # the published first test labels
    # The reference normalisation gives roughly zero mean and unit std.
    assert abs(float(np.mean(x))) < 0.1 and 0.9 < float(np.std(x)) < 1.1


@pytest.mark.real_data
def test_training_pipeline_is_seeded_and_augmented():
    kwargs = dict(batch_size=32, training=True, subset=256, download=False)
    a = batches(load("fashion_mnist", "train", seed=3, **kwargs))
    b = batches(load("fashion_mnist", "train", seed=3, **kwargs))
    c = batches(load("fashion_mnist", "train", seed=4, **kwargs))
    np.testing.assert_array_equal(a[0][0], b[0][0])
    assert not np.array_equal(a[0][1], c[0][1])
    plain = batches(load("fashion_mnist", "train", batch_size=256, training=False, subset=256,
                         download=False), 1)[0]
    # Augmented images are crops/flips of the originals: same label multiset, different pixels.
    assert sorted(np.concatenate([y for _, y in batches(load(
        "fashion_mnist", "train", seed=3, **{**kwargs, "batch_size": 256}), 1)])) \
        == sorted(plain[1])


@pytest.mark.real_data
def test_subset_and_partial_batches():
    ds = load("fashion_mnist", "test", batch_size=64, training=False, subset=100, download=False)
    sizes = [len(y) for _, y in ds.as_numpy_iterator()]
    assert sizes == [64, 36]
    train = load("fashion_mnist", "train", batch_size=64, training=True, subset=100,
                 download=False)
    assert [len(y) for _, y in train.as_numpy_iterator()] == [64]


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_with_mock_data(name):
    spec = get_spec(name)
    with tfds.testing.mock_data(num_examples=24):
        train = load(name, "train", batch_size=8, training=True, seed=0)
        x, y = next(iter(train))
        assert x.shape == (8, 32, 32, 3) and int(np.max(y)) < spec.num_classes
        test = load(name, "test", batch_size=24, training=False)
        x, _ = next(iter(test))
        # Mock pixels are uniform in [0, 255]: normalised values span the reference range.
        lo = (0 - np.array(spec.mean)) / np.array(spec.std)
        assert np.all(x.numpy().min(axis=(0, 1, 2)) >= lo - 1e-5)


def test_imagenet_with_mock_data_sizes():
    with tfds.testing.mock_data(num_examples=4):
        for training in (True, False):
            x, _ = next(iter(load("imagenet2012", "train" if training else "test",
                                  batch_size=2, training=training, seed=0)))
            assert x.shape == (2, 224, 224, 3)


def test_missing_data_is_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load("cifar100", "test", batch_size=8, training=False, data_dir=str(tmp_path),
             download=False)
    assert "No data for cifar100 test" in str(error.value) and "tfds build" in str(error.value)


def test_source_dataset_data_dir_expands_home_and_must_exist(tmp_path, monkeypatch):
    from blur_keras.data import source_dataset
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home" / "tfds").mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as error:
        source_dataset("cifar10", "test", data_dir="~/tfds")
    assert str(tmp_path / "home" / "tfds") in str(error.value)
    assert "tfds (no download)" in str(error.value) and "--download" in str(error.value)
    assert not (tmp_path / "~").exists()
    with pytest.raises(FileNotFoundError, match="data_dir /nonexistent does not exist"):
        source_dataset("fashion_mnist", "test", data_dir="/nonexistent")


@pytest.mark.parametrize("kwargs,message", [
    ({"name": "svhn"}, "Unknown dataset"),
    ({"split": "valid"}, "Unknown split"),
    ({"batch_size": 0}, "batch_size"),
    ({"subset": -5}, "subset"),
])
def test_bad_arguments(kwargs, message):
    args = {"name": "fashion_mnist", "split": "test", "batch_size": 8, "training": False,
            "download": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        load(**args)


@pytest.mark.parametrize("subset", [-5, 0, 2.5, True])
def test_load_and_load_arrays_refuse_the_same_subsets(subset):
    from blur_keras.data import load_arrays
    message = f"subset must be a positive integer; received {subset!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        load("fashion_mnist", "test", batch_size=8, training=False, subset=subset)
    with pytest.raises(ValueError, match=re.escape(message)):     # not the whole split
        load_arrays("fashion_mnist", "test", subset=subset)


def test_a_data_dir_without_the_data_is_an_error_not_another_copy(tmp_path, monkeypatch):
    from blur_keras.data import IDX_DATASETS, load_arrays
    monkeypatch.delenv("BLUR_KERAS_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError) as error:
        load_arrays("fashion_mnist", "test", data_dir=str(tmp_path), subset=8)
    message = str(error.value)
    assert f"data_dir {tmp_path} holds no fashion_mnist test IDX files" in message
    assert IDX_DATASETS["fashion_mnist"][1] not in message       # nowhere else looked in


def test_specs_hold_reference_normalisation():
    assert DATASETS["cifar10"].mean == (0.4914, 0.4822, 0.4465)
    assert DATASETS["cifar100"].std == (0.2675, 0.2565, 0.2761)
    assert DATASETS["imagenet2012"].test_split == "validation"


@pytest.mark.real_data
def test_load_arrays_real_fashion_mnist_and_mock_imagenet():
    from blur_keras.data import load_arrays
    images, labels = load_arrays("fashion_mnist", "test", subset=50, download=False)
    assert images.shape == (50, 28, 28, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and 0 <= labels.min() and labels.max() < 10
    with tfds.testing.mock_data(num_examples=2):
        images, _ = load_arrays("imagenet2012", "test")
    assert images.shape == (2, 224, 224, 3) and images.dtype == np.uint8


def test_validation_holdouts_are_the_last_images_of_the_train_split():
    expected = {"fashion_mnist": 10_000, "mnist": 10_000, "cifar10": 5_000, "cifar100": 5_000}
    for name, held_out in expected.items():
        total = get_spec(name).train_examples
        assert split_range(name, "validation") == ("train", total - held_out, total)
        assert split_range(name, "train_minus_validation") == ("train", 0, total - held_out)
    assert describe_split("fashion_mnist", "validation") == "train[50000:60000]"
    assert describe_split("fashion_mnist", "validation", subset=64) == "train[50000:50064]"
    assert describe_split("fashion_mnist", "train_minus_validation") == "train[:50000]"
    assert describe_split("fashion_mnist", "train_minus_validation", subset=300) == "train[:300]"
    assert describe_split("fashion_mnist", "train") == "train"
    assert describe_split("cifar10", "test", subset=64) == "test[:64]"
    assert describe_split("imagenet2012", "test") == "validation"
    with pytest.raises(ValueError, match="imagenet2012 has no validation hold-out"):
        load("imagenet2012", "validation", batch_size=8, training=False)


@pytest.mark.real_data
def test_fashion_mnist_holdout_from_idx_files_real_data():
    images, labels = load_idx_arrays("fashion_mnist", "train")
    for split, part in (("validation", slice(50_000, None)),
                        ("train_minus_validation", slice(None, 50_000))):
        x, y = next(iter(source_dataset("fashion_mnist", split).batch(60_000)))
        np.testing.assert_array_equal(x.numpy(), images[part], err_msg=split)
        np.testing.assert_array_equal(y.numpy(), labels[part], err_msg=split)
    # Training reads the first images of its part: none of them is a hold-out image.
    first = next(iter(load("fashion_mnist", "train_minus_validation", batch_size=300,
                           training=False, subset=300)))[1]
    np.testing.assert_array_equal(first.numpy(), labels[:300])


def indexed_examples(self, split, decoders=None, read_config=None, **kwargs):
    """A tfds mock of 50,000 CIFAR train examples labelled with their index, sliced by tfds' own
    reading of the split string."""
    from types import SimpleNamespace
    [part] = tfds.core.ReadInstruction.from_spec(split).to_absolute(
        {"train": SimpleNamespace(num_examples=50_000)})
    assert part.splitname == "train"
    indices = tf.data.Dataset.range(part.from_ or 0, part.to or 50_000).batch(5_000)
    return indices.map(lambda index: {"image": tf.zeros([tf.size(index), 32, 32, 3], tf.uint8),
                                      "label": index}).unbatch()


def test_cifar_holdout_through_tfds_split_strings():
    with tfds.testing.mock_data(as_dataset_fn=indexed_examples):
        def indices(split):
            return np.concatenate([y for _, y in source_dataset("cifar10", split).batch(
                5_000).as_numpy_iterator()])
        np.testing.assert_array_equal(indices("validation"), np.arange(45_000, 50_000))
        np.testing.assert_array_equal(indices("train_minus_validation"), np.arange(45_000))
