"""The splits a loader reads: the dataset's train and test splits, and the fixed validation
hold-out carved from the end of the train split.

- `"train"`: the whole train split;
- `"test"`: the test split (ImageNet: its validation set);
- `"validation"`: the last `DatasetSpec.validation_examples` images of the train split;
- `"train_minus_validation"`: the train split without them, i.e. its first
  `train_examples - validation_examples` images.

Fashion-MNIST and MNIST hold out the last 10,000 of their 60,000 training images
(train: the first 50,000), CIFAR-10/100 the last 5,000 of 50,000; ImageNet has no
hold-out. "First" and "last" follow the order of the source: the IDX files' order
when the images come from IDX files, tfds' canonical order when they come from tfds
(the loaders read tfds with `shuffle_files=False`).
"""

from __future__ import annotations

from blur_keras.data.specs import get_spec

SPLITS = ("train", "test", "validation", "train_minus_validation")


def split_range(name: str, split: str) -> tuple[str, int | None, int | None]:
    """Where a split's images lie: `(source split, start, stop)`, Python slice bounds.

    Args:
        name: a dataset of `DATASETS`.
        split: one of `SPLITS`.

    Returns:
        The split of the source (`"train"` or the spec's `test_split`) and the
        slice of it; `(source, None, None)` for a whole split.

    Raises:
        ValueError: unknown dataset or split, or a hold-out split of a
            dataset without a hold-out.

    Example:

    >>> split_range("fashion_mnist", "validation")
    ('train', 50000, 60000)
    """
    spec = get_spec(name)
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: expected one of {SPLITS}.")
    if split == "test":
        return spec.test_split, None, None
    if split == "train":
        return "train", None, None
    if spec.validation_examples is None:
        raise ValueError(f"{name} has no validation hold-out (its DatasetSpec has "
                         f"validation_examples=None), so it has no {split!r} split; validate "
                         f"on the test split instead.")
    boundary = spec.train_examples - spec.validation_examples
    if split == "validation":
        return "train", boundary, spec.train_examples
    return "train", 0, boundary


def _slice(source: str, start: int | None, stop: int | None) -> str:
    if start is None and stop is None:
        return source
    return f"{source}[{start or ''}:{stop}]"


def tfds_split(name: str, split: str) -> str:
    """The tfds split string of `split`, e.g. `train[50000:60000]`; see `split_range`."""
    return _slice(*split_range(name, split))


def describe_split(name: str, split: str, subset: int | None = None) -> str:
    """The images a loader with `subset` (the first N of the split) reads, in tfds slice notation.

    Slices count images of the source split (`[a:b]`: images a to b - 1);
    as in tfds, a slice past the end of the split stops at its end.

    Example:

    >>> describe_split("fashion_mnist", "train_minus_validation", subset=300)
    'train[:300]'
    >>> describe_split("fashion_mnist", "validation")
    'train[50000:60000]'
    """
    source, start, stop = split_range(name, split)
    if subset is not None:
        if source == "train" and stop is None:
            stop = get_spec(name).train_examples
        first = (start or 0) + subset
        stop = first if stop is None else min(stop, first)
    return _slice(source, start, stop)
