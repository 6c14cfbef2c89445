"""Published corruption benchmarks: CIFAR-10-C and ImageNet-C (tfds), CIFAR-100-C (.npy files).

CIFAR-100-C is not in tfds: download `CIFAR-100-C.tar` (Hendrycks & Dietterich,
https://zenodo.org/record/3555552), unpack it, and pass its directory as
`data_dir`. It holds `<corruption>.npy` (50000, 32, 32, 3) uint8, severity s in
rows [(s - 1) * 10000, s * 10000), and `labels.npy`.
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from blur_keras.data.specs import get_spec
from blur_keras.data.transforms import normalize

#: tfds builder, split and renamed corruptions of the published sets in tfds.
TFDS_CORRUPTED = {
    "cifar10": ("cifar10_corrupted", "test",
                {"glass_blur": "frosted_glass_blur", "elastic_transform": "elastic"}),
    "imagenet2012": ("imagenet2012_corrupted", "validation", {}),
}
NPY_CORRUPTED = {"cifar100": "CIFAR-100-C (https://zenodo.org/record/3555552)"}
#: The corruptions each published set holds (15 benchmark + 4 extra), under the names of
#: `blur_keras.corruptions` (a test checks they are the generators' names): a fact about the
#: files, stated here so that loading data does not import the generators.
PUBLISHED_CORRUPTIONS = (
    "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
    "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
    "jpeg_compression", "speckle_noise", "gaussian_blur", "spatter", "saturate")
#: Each set holds five severities, in that order.
SEVERITIES = (1, 2, 3, 4, 5)
def _check(name: str, corruption: str, severity: int) -> None:
    if name not in TFDS_CORRUPTED and name not in NPY_CORRUPTED:
        raise ValueError(f"No published corrupted version of {name!r}: expected one of "
                         f"{sorted({**TFDS_CORRUPTED, **NPY_CORRUPTED})}.")
    if corruption not in PUBLISHED_CORRUPTIONS:
        raise ValueError(f"Unknown corruption {corruption!r}: expected one of "
                         f"{list(PUBLISHED_CORRUPTIONS)}.")
    if isinstance(severity, bool) or severity not in SEVERITIES:
        raise ValueError(f"severity must be an integer from 1 to 5; received {severity!r}.")


def _npy_arrays(name: str, corruption: str, severity: int, data_dir: str | None):
    where = NPY_CORRUPTED[name]
    if data_dir is None:
        raise FileNotFoundError(f"{name} corruptions are read from .npy files: download and "
                                f"unpack {where} and pass its directory as data_dir.")
    paths = [os.path.join(data_dir, f) for f in (f"{corruption}.npy", "labels.npy")]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError(f"Missing {missing} for {name} corruptions; data_dir must be "
                                f"the unpacked {where}.")
    images = np.load(paths[0], mmap_mode="r")
    labels = np.load(paths[1])
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8 \
            or len(images) != len(labels) or len(labels) % len(SEVERITIES):
        raise ValueError(f"{paths[0]} must hold uint8 (5 x n, H, W, 3) images matching "
                         f"{paths[1]}; found {images.dtype} {images.shape} and "
                         f"{len(labels)} labels.")
    per_severity = len(labels) // len(SEVERITIES)
    rows = slice((severity - 1) * per_severity, severity * per_severity)
    return images[rows], labels[rows]


def corrupted_source(name: str, corruption: str, severity: int, data_dir: str | None = None,
                     download: bool = False) -> tf.data.Dataset:
    """Unbatched `(uint8 image, label)` pairs of a published corruption benchmark.

    Args:
        name: the clean dataset: `cifar10` (tfds `cifar10_corrupted`),
            `imagenet2012` (tfds `imagenet2012_corrupted`) or `cifar100`
            (CIFAR-100-C `.npy` files in `data_dir`).
        corruption: one of the 19 names of `blur_keras.corruptions.names(extra=True)`
            (tfds' `frosted_glass_blur` and `elastic` are mapped).
        severity: 1 to 5.
        data_dir: tfds data directory, or the CIFAR-100-C directory.
        download: let tfds download (CIFAR-10-C is 2.9 GB for all configs).

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError: unknown name, corruption or severity; malformed files.
        FileNotFoundError: the data is not there; the message says how to get it.
    """
    _check(name, corruption, severity)
    if name in NPY_CORRUPTED:
        images, labels = _npy_arrays(name, corruption, severity, data_dir)
        return tf.data.Dataset.from_tensor_slices((np.asarray(images), labels.astype(np.int64)))
    import tensorflow_datasets as tfds
    builder, split, renamed = TFDS_CORRUPTED[name]
    config = f"{builder}/{renamed.get(corruption, corruption)}_{severity}"
    try:
        return tfds.load(config, split=split, data_dir=data_dir, download=download,
                         as_supervised=True, shuffle_files=False)
    except Exception as error:  # tfds raises many types when offline or without files
        raise FileNotFoundError(
            f"No data for tfds {config} ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:300] if str(error) else ''}). Run `tfds build "
            f"{config}` where it can download (ImageNet-C also needs the manual ImageNet "
            f"files), or pass data_dir= / download=True.") from None


def load_corrupted(name: str, corruption: str, severity: int, *, batch_size: int,
                   data_dir: str | None = None, subset: int | None = None,
                   download: bool = False) -> tf.data.Dataset:
    """A batched, normalised evaluation dataset of one published corruption and severity.

    Like `load(name, "test", training=False)`, but on the published corrupted
    images (already 224x224 for ImageNet-C, so only normalised).

    Args:
        name, corruption, severity, data_dir, download: see `corrupted_source`.
        batch_size: examples per batch.
        subset: use only the first `subset` examples.

    Returns:
        A `tf.data.Dataset` of `(float32 image, int32 label)` batches.

    Example:

    >>> ds = load_corrupted("cifar10", "fog", 3, batch_size=256)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
    spec = get_spec(name)
    ds = corrupted_source(name, corruption, severity, data_dir, download)
    if subset is not None:
        ds = ds.take(subset)
    ds = ds.map(lambda image, label: (normalize(image, spec), tf.cast(label, tf.int32)),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
