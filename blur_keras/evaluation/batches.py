"""Batches of a dataset as NumPy arrays, whatever holds them."""

from __future__ import annotations

from typing import Iterable, Iterator


def numpy_batches(dataset: Iterable) -> Iterator:
    """Batches as NumPy: a `tf.data.Dataset` through `as_numpy_iterator`, else as iterated."""
    if hasattr(dataset, "as_numpy_iterator"):
        yield from dataset.as_numpy_iterator()
    else:
        yield from dataset
