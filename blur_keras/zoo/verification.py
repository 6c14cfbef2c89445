"""`verify`: recompute every hash of the zoos (or of one preset) against indexes and cards."""

from __future__ import annotations

from blur_keras.zoo.files import read_index, zoo_directories
from blur_keras.zoo.preset import card, card_in_zoo


def verify(name: str | None = None) -> list[str]:
    """Checks every file of one preset, or of every preset of every zoo (`zoo_directories()`).

    Args:
        name: a preset name or directory (as `load` takes it); None checks every preset of the
            shipped zoo and of `$BLUR_KERAS_ZOO_DIR`, each against its own zoo's index.

    Returns:
        The presets checked (a name that two zoos hold, twice).

    Raises:
        PresetError: the first preset that fails, naming the file, why, and what it was checked
            against.
    """
    if name is not None:
        card(name)          # resolves through the index: every file's size and SHA-256
        return [name]
    checked = []
    for zoo_dir in zoo_directories():
        for preset in sorted(read_index(zoo_dir)):
            card_in_zoo(zoo_dir, preset)
            checked.append(preset)
    return checked
