"""The zoo's size budget: every file it ships, together, stays under 60 MB."""

from __future__ import annotations

import os

from blur_keras.zoo.files import PresetError

#: The most bytes the zoo (every file under `zoo/`) may hold: 60 MB.
ZOO_SIZE_BUDGET = 60_000_000


def zoo_bytes(zoo_dir: str) -> int:
    """Every file under `zoo_dir`, in bytes (what the package ships of it)."""
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(zoo_dir) for name in names)


def check_budget(zoo_dir: str, preset: str, budget: int = ZOO_SIZE_BUDGET) -> int:
    """Refuses a zoo over its size budget once `preset` is written into it.

    Args:
        zoo_dir: the zoo.
        preset: the preset just written (for the message).
        budget: the most bytes (default `ZOO_SIZE_BUDGET`).

    Returns:
        The zoo's size in bytes.

    Raises:
        PresetError: the zoo holds more than `budget` bytes.

    Example:

    >>> check_budget("zoo", "resnet_dnn_18.fmnist_w16_ens3")
    27845120
    """
    total = zoo_bytes(zoo_dir)
    if total > budget:
        raise PresetError(
            f"With {preset} the zoo {zoo_dir} holds {total / 1e6:.1f} MB, over its "
            f"{budget / 1e6:.0f} MB budget; {preset} was written to "
            f"{os.path.join(zoo_dir, preset)} but not indexed. Remove that directory, or ship "
            f"its weights by URL (an index entry with \"url\"; see docs/zoo.md).")
    return total
