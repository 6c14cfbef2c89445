"""Backend-agnostic spatial padding used by `Blur`.

`keras.ops.pad` differs between backends for the non-constant modes (the
TensorFlow backend has no `edge` mode, the PyTorch backend maps `symmetric`
to `replicate`), so the non-constant modes are written here as index gathers
that behave identically on every backend.
"""

from __future__ import annotations

from keras import ops

PAD_MODES = ("constant", "reflect", "symmetric", "edge")


def _source_indices(size, before: int, after: int, mode: str):
    """Indices into an axis of length `size` that realise a padding mode."""
    index = ops.arange(-before, size + after, dtype="int32")
    last = size - 1
    if mode == "edge":
        return ops.clip(index, 0, last)
    if mode == "reflect":
        # Mirror about the first and last element (they are not repeated).
        index = ops.abs(index)
        return last - ops.abs(last - index)
    # symmetric: mirror about the array edge (edge elements are repeated).
    index = ops.where(index < 0, -index - 1, index)
    return ops.where(index > last, 2 * size - 1 - index, index)


def pad_spatial(x, pads: tuple[tuple[int, int], tuple[int, int]], mode: str,
                spatial_axes: tuple[int, int]):
    """Pads the two spatial axes of a rank-4 tensor.

    Args:
        x: rank-4 tensor.
        pads: `((top, bottom), (left, right))`.
        mode: one of `PAD_MODES`.
        spatial_axes: the axes of height and width in `x`.

    Returns:
        The padded tensor.
    """
    if all(p == 0 for pair in pads for p in pair):
        return x
    if mode == "constant":
        width = [(0, 0)] * 4
        for axis, pair in zip(spatial_axes, pads):
            width[axis] = tuple(pair)
        return ops.pad(x, width, mode="constant")
    for axis, (before, after) in zip(spatial_axes, pads):
        size = x.shape[axis]
        if size is None:
            size = ops.shape(x)[axis]
        x = ops.take(x, _source_indices(size, before, after, mode), axis=axis)
    return x
