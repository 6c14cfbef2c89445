"""Published corruption benchmarks (CIFAR-10/100-C, ImageNet-C): tfds mock data and small files."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from blur_keras import corruptions
from blur_keras.data import corrupted_source, get_spec, load_corrupted

pytestmark = pytest.mark.tensorflow_only


@pytest.mark.parametrize("corruption", corruptions.names(extra=True))
def test_cifar10_c_every_corruption_through_tfds_mock(corruption):
    # mock_data rejects unknown config names, so tfds' renamed glass/elastic are checked too.
    with tfds.testing.mock_data(num_examples=6):
        x, y = next(iter(load_corrupted("cifar10", corruption, 5, batch_size=4)))
    assert x.shape == (4, 32, 32, 3) and x.dtype == "float32"
    assert int(np.max(y)) < 10


@pytest.mark.parametrize("name", ["cifar10", "imagenet2012"])
def test_every_corruption_and_severity_is_a_tfds_config(name):
    from blur_keras.data.corrupted import TFDS_CORRUPTED
    builder, _, renamed = TFDS_CORRUPTED[name]
    configs = {c.name for c in tfds.builder_cls(builder).BUILDER_CONFIGS}
    wanted = {f"{renamed.get(c, c)}_{s}" for c in corruptions.names(extra=True) for s in range(1, 6)}
    assert wanted == configs  # all 95 configs, nothing left out


def test_imagenet_c_is_only_normalised():
    spec = get_spec("imagenet2012")
    with tfds.testing.mock_data(num_examples=2):
        raw, _ = next(iter(corrupted_source("imagenet2012", "glass_blur", 2)))
        x, _ = next(iter(load_corrupted("imagenet2012", "glass_blur", 2, batch_size=2)))
    assert raw.shape == (224, 224, 3) and x.shape == (2, 224, 224, 3)
    expected = (raw.numpy() / 255.0 - np.array(spec.mean)) / np.array(spec.std)
    np.testing.assert_allclose(x[0].numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.fixture
def cifar100_c(tmp_path):
    """A tiny CIFAR-100-C directory: 3 images per severity, pixel value = severity * 10."""
    images = np.repeat(np.arange(1, 6, dtype=np.uint8) * 10, 3)[:, None, None, None]
    np.save(tmp_path / "fog.npy", np.broadcast_to(images, (15, 32, 32, 3)).copy())
    np.save(tmp_path / "labels.npy", np.tile(np.array([4, 50, 99]), 5))
    return tmp_path


def test_cifar100_c_reads_the_severity_rows(cifar100_c):
    for severity in (1, 3, 5):
        pairs = list(corrupted_source("cifar100", "fog", severity, str(cifar100_c))
                     .as_numpy_iterator())
        assert [int(y) for _, y in pairs] == [4, 50, 99]
        assert all((x == severity * 10).all() for x, _ in pairs)
    x, y = next(iter(load_corrupted("cifar100", "fog", 2, batch_size=8,
                                    data_dir=str(cifar100_c))))
    assert x.shape == (3, 32, 32, 3)


def test_cifar100_c_errors(cifar100_c, tmp_path_factory):
    with pytest.raises(FileNotFoundError, match="zenodo"):
        corrupted_source("cifar100", "fog", 1)
    with pytest.raises(FileNotFoundError, match="snow.npy"):
        corrupted_source("cifar100", "snow", 1, str(cifar100_c))
    bad = tmp_path_factory.mktemp("bad")
    np.save(bad / "fog.npy", np.zeros((10, 32, 32, 3), np.float32))
    np.save(bad / "labels.npy", np.zeros(10))
    with pytest.raises(ValueError, match="uint8"):
        corrupted_source("cifar100", "fog", 1, str(bad))


@pytest.mark.parametrize("args, message", [
    (("mnist", "fog", 1), "No published corrupted version"),
    (("cifar10", "mist", 1), "Unknown corruption"),
    (("cifar10", "fog", 6), "severity"),
])
def test_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        corrupted_source(*args)


def test_cifar10_c_missing_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="tfds build cifar10_corrupted/frosted_glass_blur_1"):
        corrupted_source("cifar10", "glass_blur", 1, data_dir=str(tmp_path))



def test_the_published_sets_hold_the_generators_corruptions_and_severities():
    from blur_keras.data.corrupted import PUBLISHED_CORRUPTIONS, SEVERITIES
    assert PUBLISHED_CORRUPTIONS == corruptions.names(extra=True)
    assert SEVERITIES == corruptions.SEVERITIES
