"""Argument checks shared by the layers, with messages that say what is expected."""

from __future__ import annotations

from typing import Sequence

from keras import backend

DATA_FORMATS = ("channels_last", "channels_first")


def check_choice(name: str, value, choices: Sequence) -> None:
    """Raises `ValueError` unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"Unknown {name} {value!r}: expected one of {', '.join(map(repr, choices))}."
        )


def standardize_data_format(data_format: str | None) -> str:
    """Returns `data_format`, or Keras' global image data format for `None`."""
    if data_format is None:
        return backend.image_data_format()
    check_choice("data_format", data_format, DATA_FORMATS)
    return data_format


def check_rank4(layer_name: str, input_shape, data_format: str) -> None:
    """Raises `ValueError` unless `input_shape` is a batch of 2-D feature maps."""
    if len(input_shape) != 4:
        layout = "(batch, height, width, channels)" if data_format == "channels_last" \
            else "(batch, channels, height, width)"
        raise ValueError(
            f"{layer_name} expects a rank-4 input {layout} ({data_format}); "
            f"received an input of shape {tuple(input_shape)}."
        )


def spatial_axes(data_format: str) -> tuple[int, int]:
    """Axes of height and width of a rank-4 tensor."""
    return (1, 2) if data_format == "channels_last" else (2, 3)


def channel_axis(data_format: str) -> int:
    """Axis of the channels of a rank-4 tensor."""
    return -1 if data_format == "channels_last" else 1
