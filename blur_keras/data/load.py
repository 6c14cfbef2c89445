"""`load`: batched, prefetched `tf.data` pipelines for training and evaluation."""

from __future__ import annotations

import tensorflow as tf

from blur_keras.data.idx_datasets import load_idx_arrays
from blur_keras.data.specs import get_spec
import numpy as np

from blur_keras.data.transforms import preprocess, resize_center_crop

SPLITS = ("train", "test")


def _tfds_dataset(name: str, split: str, data_dir: str | None, download: bool):
    """The tfds split as (image, label) pairs, or the reason it is unavailable."""
    import tensorflow_datasets as tfds
    try:
        ds = tfds.load(name, split=split, data_dir=data_dir, download=download,
                       as_supervised=True, shuffle_files=False)
        return ds, None
    except Exception as error:  # tfds raises many types when offline or without files
        message = str(error).splitlines()[0][:300] if str(error) else ""
        return None, f"tfds ({'download' if download else 'no download'}): " \
                     f"{type(error).__name__}: {message}"


def source_dataset(name: str, split: str, data_dir: str | None = None,
                   download: bool = True) -> tf.data.Dataset:
    """Unbatched `(uint8 image, label)` pairs of one split, from tfds or IDX files.

    Order of attempts: a tfds copy already prepared in `data_dir`; for
    MNIST-style datasets the IDX files (see `load_idx_arrays`); then a tfds
    download (when `download`).

    Raises:
        ValueError: unknown dataset or split.
        FileNotFoundError: nothing found; the message lists every attempt and
            how to get the data.
    """
    spec = get_spec(name)
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: expected one of {SPLITS}.")
    tfds_split = spec.test_split if split == "test" else "train"
    attempts = []
    ds, reason = _tfds_dataset(name, tfds_split, data_dir, download=False)
    if ds is not None:
        return ds
    attempts.append(reason)
    if spec.offline_idx:
        try:
            images, labels = load_idx_arrays(name, split, data_dir)
            return tf.data.Dataset.from_tensor_slices((images, labels))
        except FileNotFoundError as error:
            attempts.append(str(error))
    if download:
        ds, reason = _tfds_dataset(name, tfds_split, data_dir, download=True)
        if ds is not None:
            return ds
        attempts.append(reason)
    hint = ("ImageNet needs a manual download: put ILSVRC2012_img_{train,val}.tar in "
            "<data_dir>/downloads/manual and run tfds build imagenet2012"
            if name == "imagenet2012" else
            f"run `tfds build {name}` on a machine with internet access and copy its data_dir, "
            f"or pass data_dir=")
    raise FileNotFoundError(f"No data for {name} {split}. Tried: " + "; ".join(attempts)
                            + f". To get it: {hint}.")


def load(name: str, split: str, *, batch_size: int, training: bool,
         data_dir: str | None = None, seed: int | None = None, subset: int | None = None,
         download: bool = True, drop_remainder: bool | None = None) -> tf.data.Dataset:
    """A batched, prefetched dataset of `(float32 image, int32 label)` ready for `fit`.

    Images are normalised with the reference per-channel mean/std of the
    dataset; with `training=True` they are also shuffled and augmented as in
    the reference protocol (CIFAR: random crop with 4-pixel zero padding +
    horizontal flip; ImageNet: random-resized crop 224 + flip, test: resize
    256 + centre crop 224). Augmentation is stateless: the same `seed` gives
    the same batches.

    For `tf.distribute`, pass the *global* batch size and distribute with
    `strategy.experimental_distribute_dataset(ds)` (the pipeline is sharded
    by data across workers by default).

    Args:
        name: `cifar10`, `cifar100`, `imagenet2012`, `fashion_mnist` or `mnist`.
        split: `"train"` or `"test"` (ImageNet: the validation set).
        batch_size: examples per batch (global batch under a strategy).
        training: shuffle and augment.
        data_dir: tfds data directory / directory of IDX files.
        seed: seed of shuffling and augmentation.
        subset: use only the first `subset` examples (quick runs and tests).
        download: allow tfds to download.
        drop_remainder: drop the last partial batch; defaults to `training`.

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError: bad arguments, or an empty dataset.
        FileNotFoundError: the data cannot be found or downloaded.

    Example:

    >>> ds = load("fashion_mnist", "train", batch_size=128, training=True, seed=0)
    >>> model.fit(ds, epochs=1)
    """
    spec = get_spec(name)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)
                               or subset < 1):
        raise ValueError(f"subset must be a positive integer or None; received {subset!r}.")
    ds = source_dataset(name, split, data_dir, download)
    if subset is not None:
        ds = ds.take(subset)
    cardinality = int(ds.cardinality())
    if cardinality == 0:
        raise ValueError(f"{name} {split} holds no examples.")
    seed = 0 if seed is None else int(seed)
    if training:
        if spec.augmentation != "imagenet":
            ds = ds.cache()
        buffer = cardinality if 0 < cardinality <= 60_000 else 10_000
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed).batch(2)
    ds = tf.data.Dataset.zip((ds, seeds)).map(
        lambda example, s: preprocess(example[0], example[1], s, spec, training),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(batch_size, drop_remainder=training if drop_remainder is None else drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def load_arrays(name: str, split: str, *, data_dir: str | None = None, subset: int | None = None,
                download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images at the model's input size and int64 labels, as NumPy arrays.

    For corrupting images yourself (`blur_keras.corruptions`) before
    normalising them. ImageNet images get the evaluation resize (256) and
    centre crop (224). Everything is held in memory: use `subset` for large sets.

    Args:
        name, split, data_dir, download: see `load`.
        subset: only the first `subset` examples.

    Returns:
        `(images, labels)`.
    """
    spec = get_spec(name)
    ds = source_dataset(name, split, data_dir, download)
    if subset is not None:
        ds = ds.take(subset)
    if spec.augmentation == "imagenet":
        ds = ds.map(lambda image, label: (tf.cast(tf.round(tf.clip_by_value(
            resize_center_crop(tf.cast(image, tf.float32)), 0, 255)), tf.uint8), label))
    pairs = list(ds.batch(1024).as_numpy_iterator())
    if not pairs:
        raise ValueError(f"{name} {split} holds no examples.")
    return (np.concatenate([x for x, _ in pairs]),
            np.concatenate([y for _, y in pairs]).astype(np.int64))
