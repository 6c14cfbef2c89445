"""The zoo index written: every preset's version and files with their SHA-256 and size."""

from __future__ import annotations

import json
import os

from blur_keras.integrity import file_record
from blur_keras.zoo.files import DEFAULT_VERSION, INDEX_FILE, OPTIONAL_FILES, PRESET_FILES


def preset_entry(directory: str, version: int = DEFAULT_VERSION) -> dict:
    """The index entry of a preset directory.

    Args:
        directory: the preset directory.
        version: the version of its weights (as its card records it).

    Returns:
        `{"version": version, "files": {name: record}}` for `PRESET_FILES` and
        those of `OPTIONAL_FILES` (the curves) the directory holds.

    Example:

    >>> preset_entry("zoo/resnet_dnn_18.fmnist_w16", 2)["files"]["curves.json"]["bytes"]
    """
    names = list(PRESET_FILES) + [name for name in OPTIONAL_FILES
                                  if os.path.isfile(os.path.join(directory, name))]
    return {"version": version,
            "files": {name: file_record(os.path.join(directory, name)) for name in names}}


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
