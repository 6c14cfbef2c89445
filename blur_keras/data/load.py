"""`load`: batched, prefetched `tf.data` pipelines for training and evaluation."""

from __future__ import annotations

import contextlib
import logging
import os

import numpy as np
import tensorflow as tf

from blur_keras.data.idx_datasets import load_idx_arrays
from blur_keras.data.specs import get_spec
from blur_keras.data.splits import split_range, tfds_split
from blur_keras.data.transforms import preprocess, resize_center_crop


def _tfds_dataset(name: str, split: str, data_dir: str | None, download: bool):
    """The tfds split as (image, label) pairs, or the reason it is unavailable."""
    import tensorflow_datasets as tfds
    try:
        # A look for a prepared copy logs the folders it inspects; they are often not the
        # source that is used in the end (the IDX files are): keep that out of the output.
        with contextlib.nullcontext() if download else _quiet_absl():
            ds = tfds.load(name, split=split, data_dir=data_dir, download=download,
                           as_supervised=True, shuffle_files=False)
        return ds, None
    except Exception as error:  # tfds raises many types when offline or without files
        message = str(error).splitlines()[0][:300] if str(error) else ""
        return None, f"tfds ({'download' if download else 'no download'}): " \
                     f"{type(error).__name__}: {message}"


@contextlib.contextmanager
def _quiet_absl():
    """absl (tfds) log lines below ERROR suppressed inside the block."""
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def source_dataset(name: str, split: str, data_dir: str | None = None,
                   download: bool = False) -> tf.data.Dataset:
    """Unbatched `(uint8 image, label)` pairs of one split, from tfds or IDX files.

    Order of attempts: a tfds copy already prepared in `data_dir`; for
    MNIST-style datasets the IDX files (see `load_idx_arrays`); then, only
    with `download=True`, a tfds download (into `data_dir`). A `data_dir`
    that is given is the only place looked in: when it holds no data, that is
    an error, never a silent fall-back to another copy.

    Args:
        name: a dataset of `DATASETS`.
        split: `"train"`, `"test"`, or the train split's `"validation"`
            hold-out and `"train_minus_validation"` (see `blur_keras.data.splits`;
            tfds reads them as slices such as `train[50000:60000]`).
        data_dir: tfds data directory / directory of IDX files (`~` is
            expanded); it must exist.
        download: let tfds download the data when nothing is found.

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError: unknown dataset or split (or a hold-out split of a dataset
            without one).
        FileNotFoundError: `data_dir` does not exist, or nothing was found; the
            message lists every attempt and how to get the data.
    """
    spec = get_spec(name)
    source, start, stop = split_range(name, split)   # unknown split -> ValueError
    if data_dir is not None:
        expanded = os.path.expanduser(data_dir)
        if not os.path.isdir(expanded):
            raise FileNotFoundError(f"data_dir {data_dir} does not exist"
                                    + (f" ({expanded})" if expanded != data_dir else "") + ".")
        data_dir = expanded
    sliced = tfds_split(name, split)
    attempts = []
    ds, reason = _tfds_dataset(name, sliced, data_dir, download=False)
    if ds is not None:
        return ds
    attempts.append(reason)
    if spec.offline_idx:
        try:
            images, labels = load_idx_arrays(name, source, data_dir)
            return tf.data.Dataset.from_tensor_slices((images[start:stop], labels[start:stop]))
        except FileNotFoundError as error:
            attempts.append(str(error).rstrip("."))
    if download:
        ds, reason = _tfds_dataset(name, sliced, data_dir, download=True)
        if ds is not None:
            return ds
        attempts.append(reason)
    hint = ("ImageNet needs a manual download: put ILSVRC2012_img_{train,val}.tar in "
            "<data_dir>/downloads/manual and run tfds build imagenet2012"
            if name == "imagenet2012" else
            f"let tfds download it (download=True; --download on the command line), or run "
            f"`tfds build {name}` on a machine with internet access and pass its data_dir")
    raise FileNotFoundError(f"No data for {name} {split}. Tried: " + "; ".join(attempts)
                            + f". To get it: {hint}.")


def load(name: str, split: str, *, batch_size: int, training: bool,
         data_dir: str | None = None, seed: int | None = None, subset: int | None = None,
         download: bool = False, drop_remainder: bool | None = None,
         epochs: int | None = None, initial_epoch: int = 0) -> tf.data.Dataset:
    """A batched, prefetched dataset of `(float32 image, int32 label)` ready for `fit`.

    Images are normalised with the reference per-channel mean/std of the
    dataset; with `training=True` they are also shuffled and augmented as in
    the reference protocol (CIFAR: random crop with 4-pixel zero padding +
    horizontal flip; ImageNet: random-resized crop 224 + flip, test: resize
    256 + centre crop 224). Augmentation is stateless: the same `seed` gives
    the same batches.

    With `epochs`, the training dataset holds epochs `initial_epoch` to
    `epochs - 1` back to back, and the order and augmentation of epoch `e`
    are a function of `(seed, e)` alone: a run resumed at epoch `e` sees the
    same batches as the uninterrupted run (fit it with `steps_per_epoch` and
    `initial_epoch`). Without `epochs` it is one epoch, reshuffled each time
    it is iterated.

    For `tf.distribute`, pass the *global* batch size and distribute with
    `strategy.experimental_distribute_dataset(ds)` (the pipeline is sharded
    by data across workers by default).

    Args:
        name: `cifar10`, `cifar100`, `imagenet2012`, `fashion_mnist` or `mnist`.
        split: `"train"` or `"test"` (ImageNet: the validation set), or the
            train split's parts `"validation"` (the fixed hold-out, its last
            images) and `"train_minus_validation"` (the rest); see
            `blur_keras.data.splits`.
        batch_size: examples per batch (global batch under a strategy).
        training: shuffle and augment.
        data_dir: tfds data directory / directory of IDX files.
        seed: seed of shuffling and augmentation.
        subset: use only the first `subset` examples (quick runs and tests).
        download: allow tfds to download (default False: offline runs fail at once, saying how to get the data).
        drop_remainder: drop the last partial batch; defaults to `training`.
        epochs: with `training=True`, the number of the epoch after the last
            one the dataset holds (see above).
        initial_epoch: the first epoch the dataset holds (with `epochs`).

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError: bad arguments, or a dataset that would hold no batch.
        FileNotFoundError: the data cannot be found or downloaded.

    Example:

    >>> ds = load("fashion_mnist", "train", batch_size=128, training=True, seed=0)
    >>> model.fit(ds, epochs=1)
    >>> resumable = load("fashion_mnist", "train", batch_size=128, training=True, seed=0,
    ...                  epochs=10, initial_epoch=4)     # epochs 4..9
    >>> model.fit(resumable, epochs=10, initial_epoch=4, steps_per_epoch=468)
    """
    spec = get_spec(name)
    _check_positive("batch_size", batch_size)
    if subset is not None:
        _check_positive("subset", subset)
    if epochs is not None:
        if not training:
            raise ValueError("epochs is for training datasets (training=True).")
        _check_positive("epochs", epochs)
        if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, int) \
                or not 0 <= initial_epoch <= epochs:
            raise ValueError(f"initial_epoch must be an integer in [0, epochs={epochs}]; "
                             f"received {initial_epoch!r}.")
    ds = source_dataset(name, split, data_dir, download)
    if subset is not None:
        ds = ds.take(subset)
    cardinality = int(ds.cardinality())
    if cardinality == 0:
        raise ValueError(f"{name} {split} holds no examples.")
    drop = training if drop_remainder is None else drop_remainder
    if drop and 0 < cardinality < batch_size:
        raise ValueError(
            f"{name} {split} has {cardinality} examples{' (subset)' if subset else ''}, fewer than "
            f"one batch of {batch_size}: with drop_remainder the dataset would be empty. Use a "
            f"smaller batch_size or a larger subset.")
    seed = 0 if seed is None else int(seed)
    if not training:
        return _batched(_preprocessed(ds, spec, False, _index_seeds(seed, 0)), batch_size, drop)
    if epochs is not None:
        return _epochs(ds, spec, seed, batch_size, drop, initial_epoch, epochs)
    if spec.augmentation != "imagenet":
        ds = ds.cache()
    shuffled = ds.shuffle(_buffer(cardinality), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed).batch(2)
    return _batched(_preprocessed(shuffled, spec, True, seeds), batch_size, drop)


def _buffer(cardinality: int) -> int:
    return cardinality if 0 < cardinality <= 60_000 else 10_000


def epoch_seed(seed: int, epoch) -> tf.Tensor:
    """The seed of one epoch's order and augmentation: a function of `(seed, epoch)` alone."""
    return tf.cast(seed, tf.int64) * 1_000_003 + tf.cast(epoch, tf.int64)


def _epochs(ds, spec, seed: int, batch_size: int, drop: bool, initial_epoch: int,
            epochs: int) -> tf.data.Dataset:
    """Epochs `initial_epoch..epochs-1`, each ordered and augmented from `(seed, epoch)`.

    Datasets that fit in memory (all but ImageNet) are held as tensors and
    each epoch is a stateless permutation of them; ImageNet epochs are
    shuffle buffers seeded per epoch, concatenated.
    """
    def batched(examples, epoch):
        examples = _preprocessed(examples, spec, True, _index_seeds(seed, epoch))
        return examples.batch(batch_size, drop_remainder=drop)

    if spec.augmentation == "imagenet":
        parts = [batched(ds.shuffle(10_000, seed=int(epoch_seed(seed, e)),
                                    reshuffle_each_iteration=False), e)
                 for e in range(initial_epoch, epochs)]
        if not parts:
            return ds.take(0).batch(batch_size)
        combined = parts[0]
        for part in parts[1:]:
            combined = combined.concatenate(part)
        return combined.prefetch(tf.data.AUTOTUNE)
    images, labels = [tf.concat(parts, 0) for parts in zip(*ds.batch(8192))]
    count = int(labels.shape[0])

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(count, dtype=tf.int64),
            seed=tf.stack([tf.constant(seed, tf.int64), tf.cast(epoch, tf.int64)]))
        examples = tf.data.Dataset.from_tensor_slices(order).map(
            lambda i: (tf.gather(images, i), tf.gather(labels, i)))
        return batched(examples, epoch)

    return tf.data.Dataset.range(initial_epoch, epochs).flat_map(one_epoch).prefetch(
        tf.data.AUTOTUNE)


def _index_seeds(seed: int, epoch) -> tf.data.Dataset:
    """Stateless `(2,)` augmentation seeds `(seed-and-epoch, index)`, one per example."""
    return tf.data.Dataset.range(tf.int64.max).map(
        lambda index: tf.stack([epoch_seed(seed, epoch), index]))


def _preprocessed(ds, spec, training: bool, seeds: tf.data.Dataset) -> tf.data.Dataset:
    return tf.data.Dataset.zip((ds, seeds)).map(
        lambda example, s: preprocess(example[0], example[1], s, spec, training),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def _batched(ds: tf.data.Dataset, batch_size: int, drop: bool) -> tf.data.Dataset:
    return ds.batch(batch_size, drop_remainder=drop).prefetch(tf.data.AUTOTUNE)


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; received {value!r}.")


def load_arrays(name: str, split: str, *, data_dir: str | None = None, subset: int | None = None,
                download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images at the model's input size and int64 labels, as NumPy arrays.

    For corrupting images yourself (`blur_keras.corruptions`) before
    normalising them. ImageNet images get the evaluation resize (256) and
    centre crop (224). Everything is held in memory: use `subset` for large sets.

    Args:
        name, split, data_dir, download: see `load`.
        subset: only the first `subset` examples.

    Returns:
        `(images, labels)`.

    Raises:
        ValueError: bad arguments (e.g. a `subset` that is not a positive
            integer).
        FileNotFoundError: the data cannot be found or downloaded.
    """
    spec = get_spec(name)
    if subset is not None:
        _check_positive("subset", subset)
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
