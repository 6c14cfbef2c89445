"""Validation and resolution of the builder options shared by every family."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import keras

from blur_keras.layers import SpatialSmoothing
from blur_keras.layers.validation import check_choice  # noqa: F401  (the builders take it from here)

SmoothingFactory = Callable[[str], keras.layers.Layer]

#: `smoothing=True`: the paper default (tanh, t = 10, 2x2 box blur).
PAPER_SMOOTHING = {"prob": "tanh", "temperature": 10.0, "kernel": (1, 1)}
SMOOTHING_KEYS = ("prob", "temperature", "kernel", "padding", "pad_mode")
HEADS = ("gap", "mlp", "gmp", "gmedp")
STEMS = ("cifar", "imagenet")


def reference_padding(kernel) -> str:
    """The reference code's padding: `full` for the 2x2 box blur, `same` otherwise."""
    return "full" if tuple(kernel) == (1, 1) else "same"


def smoothing_factory(smoothing: Any) -> SmoothingFactory | None:
    """Turns the `smoothing` argument of a builder into a layer factory.

    Args:
        smoothing: `None`/`False` (no smoothing), `True` (the paper default),
            a dict of `SpatialSmoothing` arguments (missing ones take the paper
            default; `padding` defaults to `"full"` for the 2x2 box blur, which
            reproduces the reference spatial sizes, and to `"same"` for other
            kernels), or a callable `name -> keras.layers.Layer`.

    Returns:
        `None`, or a function that makes one smoothing layer with a given name.
    """
    if smoothing is None or smoothing is False:
        return None
    if smoothing is True:
        smoothing = {}
    if isinstance(smoothing, dict):
        unknown = sorted(set(smoothing) - set(SMOOTHING_KEYS))
        if unknown:
            raise ValueError(
                f"Invalid smoothing config {smoothing!r}: unknown keys {unknown}; expected "
                f"SpatialSmoothing arguments {list(SMOOTHING_KEYS)}.")
        config = {**PAPER_SMOOTHING, **smoothing}
        config.setdefault("padding", reference_padding(config["kernel"]))
        SpatialSmoothing(**config)  # validates the values now, not at the first stage
        return lambda name: SpatialSmoothing(**config, name=name)
    if callable(smoothing):
        def make(name: str) -> keras.layers.Layer:
            layer = smoothing(name)
            if not isinstance(layer, keras.layers.Layer):
                raise ValueError(
                    f"The smoothing factory must return a keras.layers.Layer; "
                    f"it returned {type(layer).__name__}.")
            return layer
        return make
    raise ValueError(
        f"smoothing must be None, True, a dict of SpatialSmoothing arguments or a callable "
        f"name -> Layer; received {smoothing!r}.")


def stage_set(stages: Iterable[int] | None, num_stages: int, default: Iterable[int]) -> frozenset:
    """Validates the 1-based stage indices after which smoothing goes."""
    if stages is None:
        return frozenset(default)
    stages = frozenset(stages)
    invalid = sorted(s for s in stages if isinstance(s, bool) or not isinstance(s, int)
                     or not 1 <= s <= num_stages)
    if invalid:
        raise ValueError(
            f"smoothing_stages must be stage numbers in 1..{num_stages}; received "
            f"{sorted(stages, key=str)} (invalid: {invalid}).")
    return stages


def check_width(width: int) -> None:
    """Validates a builder's `width` (channels of its first stage)."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive integer (channels of the first stage); "
                         f"received {width!r}.")


def check_common(num_classes: int, input_shape, mc_dropout: float, head: str) -> None:
    """Validates the arguments every builder takes."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer; received {num_classes!r}.")
    if len(tuple(input_shape)) != 3:
        raise ValueError(
            f"input_shape must be (height, width, channels); received {input_shape!r}.")
    if isinstance(mc_dropout, bool) or not isinstance(mc_dropout, (int, float)) \
            or not 0 <= mc_dropout < 1:
        raise ValueError(f"mc_dropout must be a rate in [0, 1); received {mc_dropout!r}.")
    if head not in HEADS:
        raise ValueError(f"Unknown head {head!r}: expected one of {HEADS}.")
