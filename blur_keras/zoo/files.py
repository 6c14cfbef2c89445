"""Where the presets are, and the integrity of their files (SHA-256 and size, from the zoo index)."""

from __future__ import annotations

import json
import os
from importlib import resources

from blur_keras.integrity import file_record, sha256  # noqa: F401  (re-exported)

#: Environment variable naming another zoo directory (e.g. a checkout's `zoo/`).
ZOO_DIR_VARIABLE = "BLUR_KERAS_ZOO_DIR"
INDEX_FILE = "index.json"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
CARD_FILE = "metadata.json"
README_FILE = "README.md"
#: The files every preset directory holds, all hashed in the index.
PRESET_FILES = (CONFIG_FILE, WEIGHTS_FILE, CARD_FILE, README_FILE)
#: In the zoo: `{"presets": {name: {"dataset": ..., training options...}}}`.
BUILD_FILE = "build.json"


class PresetError(ValueError):
    """A preset is unknown, incomplete or does not match its recorded hashes."""


class UnknownPresetError(PresetError):
    """A name that is no preset of the zoo (bad input, not a preset that failed its check)."""


def zoo_directory() -> str:
    """The zoo: `$BLUR_KERAS_ZOO_DIR`, else the presets shipped with the package.

    The repository's top-level `zoo/` is installed as the package data
    `blur_keras/zoo/presets` (wheels), and an editable install or a checkout
    reads it in place.
    """
    if os.environ.get(ZOO_DIR_VARIABLE):
        return os.path.expanduser(os.environ[ZOO_DIR_VARIABLE])
    return shipped_zoo_directory()


def shipped_zoo_directory() -> str:
    """The presets shipped with the package (a checkout's `zoo/` in an editable install)."""
    shipped = resources.files("blur_keras.zoo") / "presets"
    if shipped.is_dir():
        return str(shipped)
    checkout = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "zoo")
    return os.path.normpath(checkout)


def in_shipped_zoo(directory: str) -> bool:
    """Whether the preset `directory` lies in the shipped zoo (so that it loads by name)."""
    parent, shipped = os.path.dirname(os.path.abspath(directory)), shipped_zoo_directory()
    return os.path.isdir(shipped) and os.path.samefile(parent, shipped)


def read_index(zoo_dir: str | None = None) -> dict:
    """The zoo index: `{preset: {"files": {name: record}, "url"?: ...}}` (empty without one)."""
    path = os.path.join(zoo_dir or zoo_directory(), INDEX_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def write_index(index: dict, zoo_dir: str) -> None:
    """Writes the index atomically, presets sorted."""
    path = os.path.join(zoo_dir, INDEX_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump({name: index[name] for name in sorted(index)}, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)


def check_file(path: str, record: dict, preset: str) -> None:
    """Refuses a file that is missing or differs in size or SHA-256 from `record`.

    Raises:
        PresetError: naming the preset, the file and what differs.
    """
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise PresetError(f"Preset {preset}: {name} is missing ({path}).")
    size = os.path.getsize(path)
    if size != record["bytes"]:
        raise PresetError(f"Preset {preset}: {name} has {size} bytes, the index records "
                          f"{record['bytes']} (truncated or replaced). Nothing was loaded.")
    digest = sha256(path)
    if digest != record["sha256"]:
        raise PresetError(f"Preset {preset}: {name} does not match its SHA-256 in the index "
                          f"({digest[:12]}... != {record['sha256'][:12]}...): the file was "
                          f"changed or damaged. Nothing was loaded.")


def verify_directory(directory: str, records: dict, preset: str) -> None:
    """Checks every file the index records for a preset directory, and that none is missing.

    Raises:
        PresetError: the first problem found.
    """
    missing = [name for name in PRESET_FILES if name not in records]
    if missing:
        raise PresetError(f"Preset {preset}: the index records no hash for {missing}.")
    for name, record in records.items():
        check_file(os.path.join(directory, name), record, preset)


def read_build_spec(zoo_dir: str | None = None) -> dict:
    """The presets the zoo is built from and their training options (`zoo/build.json`)."""
    path = os.path.join(zoo_dir or zoo_directory(), BUILD_FILE)
    if not os.path.isfile(path):
        raise PresetError(f"No {BUILD_FILE} in {os.path.dirname(path)}: nothing to build.")
    with open(path) as f:
        return json.load(f)
