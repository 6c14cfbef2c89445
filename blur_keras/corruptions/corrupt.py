"""`corrupt`: apply one corruption at one severity to a batch (NumPy or inside `tf.data`)."""

from __future__ import annotations

import difflib
import functools
import sys
from typing import Sequence

import numpy as np

from blur_keras.corruptions.color import per_channel_as_rgb
from blur_keras.corruptions.parameters import parameter_set, severity_parameters
from blur_keras.corruptions.registry import CORRUPTIONS

SEVERITIES = (1, 2, 3, 4, 5)
#: Smallest height and width `corrupt` accepts (the elastic anchors need a third of it >= 2).
MIN_SIZE = 8

Seed = int | Sequence[int] | None


def _check_name(name: str) -> None:
    if name not in CORRUPTIONS:
        close = difflib.get_close_matches(str(name), CORRUPTIONS, n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise ValueError(f"Unknown corruption {name!r}.{hint} Expected one of "
                         f"{sorted(CORRUPTIONS)}.")


def _check_severity(severity) -> None:
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) \
            or severity not in SEVERITIES:
        raise ValueError(f"severity must be an integer from 1 to 5; received {severity!r}.")


def _seed_sequence(seed: Seed) -> np.random.SeedSequence:
    entropy = [seed] if isinstance(seed, (int, np.integer)) else seed
    if seed is not None and (
            isinstance(seed, bool) or not all(isinstance(s, (int, np.integer))
                                              and not isinstance(s, bool) and s >= 0
                                              for s in entropy)):
        raise ValueError(f"seed must be None, a non-negative integer or a sequence of them; "
                         f"received {seed!r}.")
    return np.random.SeedSequence(None if seed is None else [int(s) for s in entropy])


def _as_unit_float(images: np.ndarray) -> np.ndarray:
    """float64 in [0, 1] from uint8 or float images; clear errors otherwise."""
    if images.ndim != 4:
        raise ValueError(f"images must have shape (batch, height, width, channels); "
                         f"received shape {images.shape}.")
    if min(images.shape[1:3]) < MIN_SIZE or images.shape[3] < 1:
        raise ValueError(f"images must be at least {MIN_SIZE}x{MIN_SIZE} with >= 1 channel; "
                         f"received shape {images.shape}.")
    if images.dtype == np.uint8:
        return images.astype(np.float64) / 255.0
    if not (np.issubdtype(images.dtype, np.floating) or images.dtype.name == "bfloat16"):
        raise ValueError(f"images must be floats in [0, 1] or uint8; received dtype "
                         f"{images.dtype}.")
    x = images.astype(np.float64)
    if x.size and not np.isfinite(x).all():
        raise ValueError("float images must lie in [0, 1]; received NaN or infinite values.")
    if x.size and not (x.min() >= 0.0 and x.max() <= 1.0):
        raise ValueError(f"float images must lie in [0, 1]; received values in "
                         f"[{x.min()}, {x.max()}] (divide uint8 images by 255).")
    return x


def _corrupt_array(images: np.ndarray, name: str, severity: int, seed: Seed,
                   parameters: str) -> np.ndarray:
    x = _as_unit_float(images)
    set_name = parameter_set(x.shape[1], x.shape[2], parameters)
    if len(x) == 0:
        return images.copy()
    corruption = CORRUPTIONS[name]
    c = severity_parameters(name, severity, set_name)
    function = corruption.function
    if corruption.needs_parameter_set:
        function = functools.partial(function, parameter_set=set_name)
    rngs = [np.random.default_rng(child) for child in _seed_sequence(seed).spawn(len(x))]
    if corruption.rgb and x.shape[-1] != 3:
        out = per_channel_as_rgb(lambda rgb, r: function(rgb, c, r), x, rngs)
    else:
        out = function(x, c, rngs)
    out = np.clip(out, 0.0, 1.0)
    if images.dtype == np.uint8:
        return np.round(out * 255).astype(np.uint8)
    return out.astype(images.dtype)


def _is_tensor(images) -> bool:
    tf = sys.modules.get("tensorflow")
    return tf is not None and tf.is_tensor(images)


def _corrupt_tensor(images, name: str, severity: int, seed, parameters: str):
    import tensorflow as tf
    if seed is None:
        seed_tensor = tf.zeros([0], tf.int64)
    else:
        parts = list(seed) if isinstance(seed, (list, tuple)) else [seed]
        seed_tensor = tf.stack([tf.cast(part, tf.int64) for part in parts])

    def run(array, seed_array):
        return _corrupt_array(array, name, severity,
                              seed_array.tolist() if seed_array.size else None, parameters)

    out = tf.numpy_function(run, [images, seed_tensor], images.dtype, stateful=seed is None,
                            name=f"corrupt_{name}_{severity}")
    out.set_shape(images.shape)
    return out


def corrupt(images, name: str, severity: int, seed: Seed = None, *,
            parameters: str = "auto"):
    """Applies corruption `name` at `severity` to a batch of images.

    The 15 benchmark corruptions and 4 extras of Hendrycks & Dietterich (2019)
    with the published CIFAR-10-C (32x32) or ImageNet-C (224x224) parameters;
    other sizes get the set of the nearer reference size (see
    `blur_keras.corruptions.parameters`). Images whose channel count is not 3
    are fine: channel-wise corruptions act on each channel; the RGB ones
    (snow, frost, brightness, spatter, saturate) treat each channel as a grey
    image (replicated to RGB, corrupted, mapped back with BT.601 luma).

    Deterministic given `seed`: image i of the batch draws from the i-th child
    of `np.random.SeedSequence(seed)`, so its corruption depends only on the
    seed and its position. Works on NumPy arrays and, through
    `tf.numpy_function`, on `tf.Tensor`s inside `tf.data` (see `corrupt_dataset`).

    Args:
        images: `(batch, height, width, channels)`, floats in [0, 1] (any float
            dtype) or uint8 in [0, 255]; at least 8x8.
        name: one of `names(extra=True)`.
        severity: 1 to 5.
        seed: None (fresh randomness), a non-negative integer, or a sequence of
            them (e.g. `(seed, batch_index)`); tensors are accepted in tf.data.
        parameters: `"auto"` (by image size), `"cifar"` or `"imagenet"`.

    Returns:
        The corrupted batch, same shape and dtype, values in the input's range
        (uint8 results are rounded; the reference floors).

    Example:

    >>> from blur_keras import corruptions
    >>> foggy = corruptions.corrupt(images, "fog", severity=3, seed=0)
    """
    _check_name(name)
    _check_severity(severity)
    if parameters != "auto":
        parameter_set(32, 32, parameters)  # validates the name
    if _is_tensor(images):
        return _corrupt_tensor(images, name, int(severity), seed, parameters)
    return _corrupt_array(np.asarray(images), name, int(severity), seed, parameters)


def corrupt_dataset(dataset, name: str, severity: int, seed: int = 0, *,
                    parameters: str = "auto"):
    """Corrupts the image batches of a `tf.data.Dataset`, reproducibly.

    Batch k is corrupted with seed `(seed, k)`. Elements may be image batches
    or tuples whose first item is the image batch (e.g. `(images, labels)`).

    Args:
        dataset: batched `tf.data.Dataset` of images in [0, 1] (or uint8).
        name, severity, parameters: see `corrupt`.
        seed: a non-negative integer.

    Returns:
        The mapped dataset.

    Example:

    >>> ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(256)
    >>> ds = corruptions.corrupt_dataset(ds, "snow", severity=2, seed=0)
    """
    import tensorflow as tf
    _check_name(name)
    _check_severity(severity)
    if seed is None:
        raise ValueError("corrupt_dataset needs an integer seed (batch k uses (seed, k)).")
    _seed_sequence(seed)

    def apply(index, element):
        if isinstance(element, tuple):
            return (corrupt(element[0], name, severity, (seed, index), parameters=parameters),
                    *element[1:])
        return corrupt(element, name, severity, (seed, index), parameters=parameters)

    return dataset.enumerate().map(apply, num_parallel_calls=tf.data.AUTOTUNE,
                                   deterministic=True)
