"""MNIST-style datasets read offline from IDX files on disk.

Directories searched: the `data_dir` argument (and its `<name>/`
subdirectory) alone when it is given, so that a directory named explicitly
is never silently replaced by another copy; otherwise the environment
variable `BLUR_KERAS_DATA_DIR` (and its `<name>/` subdirectory), then where
Debian's packages put the files (`apt-get install dataset-fashion-mnist`
installs `/usr/share/datasets/fashion-mnist`). `~` is expanded in the first
two, and each must be an existing directory when given.
"""

from __future__ import annotations

import os

import numpy as np

from blur_keras.data.idx import read_idx

IDX_DATASETS = {
    # name: (number of classes, Debian directory)
    "fashion_mnist": (10, "/usr/share/datasets/fashion-mnist"),
    "mnist": (10, "/usr/share/datasets/mnist"),
}
_SPLIT_PREFIX = {"train": "train", "test": "t10k"}
_SPLIT_SIZE = {"train": 60000, "test": 10000}


def candidate_dirs(name: str, data_dir: str | None = None) -> list[str]:
    """Directories searched for the IDX files of `name`, in order: those of `data_dir` alone
    when it is given, else those of `$BLUR_KERAS_DATA_DIR` and Debian's directory.

    Raises:
        FileNotFoundError: `data_dir` or `$BLUR_KERAS_DATA_DIR` is not a directory.
    """
    dirs = []
    roots = [("data_dir", data_dir)] if data_dir else \
        [("BLUR_KERAS_DATA_DIR", os.environ.get("BLUR_KERAS_DATA_DIR"))]
    for origin, root in roots:
        if root:
            expanded = os.path.expanduser(root)
            if not os.path.isdir(expanded):
                raise FileNotFoundError(f"{origin} {root} does not exist or is not a directory.")
            dirs += [expanded, os.path.join(expanded, name),
                     os.path.join(expanded, name.replace("_", "-"))]
    if not data_dir:
        dirs.append(IDX_DATASETS[name][1])
    return dirs


def _find(directory: str, stem: str) -> str | None:
    for suffix in (".gz", ""):
        path = os.path.join(directory, stem + suffix)
        if os.path.isfile(path):
            return path
    return None


def load_idx_arrays(name: str, split: str, data_dir: str | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Loads an MNIST-style split from IDX files.

    Args:
        name: `"fashion_mnist"` or `"mnist"`.
        split: `"train"` or `"test"`.
        data_dir: the directory to look in (and its `<name>/`
            subdirectory) instead of the default places (`~` is expanded; it
            must exist).

    Returns:
        `(images, labels)`: uint8 images of shape `(N, 28, 28, 1)` and int64
        labels in `[0, 10)`.

    Raises:
        ValueError: unknown name or split, damaged files (the message names
            the file and how to reinstall it), or wrong shapes/labels.
        FileNotFoundError: `data_dir` or `$BLUR_KERAS_DATA_DIR` is not a
            directory, or no directory holds the files; the message lists
            where it looked and how to get them.
    """
    if name not in IDX_DATASETS:
        raise ValueError(f"No IDX dataset {name!r}: expected one of {sorted(IDX_DATASETS)}.")
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"Unknown split {split!r} for {name}: expected 'train' or 'test'.")
    prefix = _SPLIT_PREFIX[split]
    searched = candidate_dirs(name, data_dir)
    for directory in searched:
        images_path = _find(directory, f"{prefix}-images-idx3-ubyte")
        labels_path = _find(directory, f"{prefix}-labels-idx1-ubyte")
        if images_path and labels_path:
            try:
                arrays = read_idx(images_path), read_idx(labels_path)
            except ValueError as error:
                raise ValueError(f"{error} For the Debian copy: 'apt-get install --reinstall "
                                 f"{_package(name)}'.") from None
            return _validated(name, split, *arrays)
    where = (f"data_dir {data_dir} holds no {name} {split} IDX files" if data_dir else
             f"Could not find the {name} {split} IDX files")
    how = ("Put them there, or leave data_dir unset to search $BLUR_KERAS_DATA_DIR and "
           f"Debian's directory (apt-get install {_package(name)})" if data_dir else
           f"Download them into one of these directories, set BLUR_KERAS_DATA_DIR, or on "
           f"Debian run 'apt-get install {_package(name)}'")
    raise FileNotFoundError(
        f"{where} ({prefix}-images-idx3-ubyte[.gz] and {prefix}-labels-idx1-ubyte[.gz]); "
        f"looked in: {', '.join(searched)}. {how}.")


def _package(name: str) -> str:
    """The Debian package holding the IDX files of `name`."""
    return f"dataset-{name.replace('_', '-')}"


def _validated(name, split, images, labels):
    num_classes = IDX_DATASETS[name][0]
    expected = _SPLIT_SIZE[split]
    if images.shape != (expected, 28, 28) or labels.shape != (expected,):
        raise ValueError(
            f"{name} {split}: expected {expected} images of 28x28 and {expected} labels; "
            f"found images {images.shape} and labels {labels.shape}.")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"{name} {split}: labels outside [0, {num_classes}).")
    return images[..., None], labels.astype(np.int64)
