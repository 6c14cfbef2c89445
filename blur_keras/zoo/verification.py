"""`verify`: recompute every hash of the zoo (or of one preset) against the index and the cards."""

from __future__ import annotations

from blur_keras.zoo.files import read_index, zoo_directory
from blur_keras.zoo.preset import card


def verify(name: str | None = None) -> list[str]:
    """Checks every file of one preset, or of every preset in the zoo index.

    Args:
        name: a preset name; None checks them all.

    Returns:
        The presets checked.

    Raises:
        PresetError: the first preset that fails, naming the file and why.
    """
    names = [name] if name is not None else sorted(read_index(zoo_directory()))
    for preset in names:
        card(preset)       # resolves through the index: every file's size and SHA-256
    return names
