"""The zoo index written: every preset's files with their SHA-256 and size."""

from __future__ import annotations

import json
import os

from blur_keras.integrity import file_record
from blur_keras.zoo.files import INDEX_FILE, PRESET_FILES


def preset_entry(directory: str) -> dict:
    """The index entry of a preset directory: `{"files": {name: record}}` for `PRESET_FILES`."""
    return {"files": {name: file_record(os.path.join(directory, name)) for name in PRESET_FILES}}


def write_index(index: dict, zoo_dir: str) -> None:
    """Writes the index atomically, presets sorted.

    Args:
        index: `{preset: entry}` (see `preset_entry`).
        zoo_dir: the zoo.
    """
    path = os.path.join(zoo_dir, INDEX_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump({name: index[name] for name in sorted(index)}, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
