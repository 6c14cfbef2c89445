"""Where the presets are, and the integrity of their files (SHA-256 and size, from the zoo index)."""

from __future__ import annotations

import json
import os
from importlib import resources

from blur_keras.integrity import sha256

#: Environment variable naming another zoo directory (e.g. a checkout's `zoo/`).
ZOO_DIR_VARIABLE = "BLUR_KERAS_ZOO_DIR"
INDEX_FILE = "index.json"
WEIGHTS_FILE = "model.weights.h5"
CARD_FILE = "metadata.json"
README_FILE = "README.md"
#: The files every preset directory holds, all hashed in the index.
PRESET_FILES = (WEIGHTS_FILE, CARD_FILE, README_FILE)
#: The training run's per-epoch curves and their plot: in presets published from a run that
#: recorded them (hashed in the index, and in the card, like the weights).
CURVES_FILE = "curves.json"
CURVES_PLOT = "curves.png"
#: The NLL of each test image at the N its twin comparison uses (presets evaluated since they were
#: recorded): what a paired interval between two presets needs.
OUTCOMES_FILE = "test_outcomes.json"
#: Files a preset directory may hold besides `PRESET_FILES`.
OPTIONAL_FILES = (CURVES_FILE, CURVES_PLOT, OUTCOMES_FILE)
#: The version of a preset's weights when its card and index entry record none (presets
#: published before versions were recorded).
DEFAULT_VERSION = 1
#: In the zoo: `{"presets": {name: {"dataset": ..., training options...}}}`.
BUILD_FILE = "build.json"


class PresetError(ValueError):
    """A preset is unknown, incomplete or does not match its recorded hashes."""


class UnknownPresetError(PresetError):
    """A name that no zoo holds, or a path with no directory (bad input, not a preset that failed
    its check)."""


def shipped_zoo_directory() -> str:
    """The presets shipped with the package.

    The repository's top-level `zoo/` is installed as the package data
    `blur_keras/zoo/presets` (wheels), and an editable install or a checkout
    reads it in place.
    """
    shipped = resources.files("blur_keras.zoo") / "presets"
    if shipped.is_dir():
        return str(shipped)
    checkout = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "zoo")
    return os.path.normpath(checkout)


def zoo_directory() -> str:
    """The zoo that `blur_keras.publishing` writes into: `$BLUR_KERAS_ZOO_DIR` (`~` expanded),
    else the shipped one."""
    if os.environ.get(ZOO_DIR_VARIABLE):
        return os.path.expanduser(os.environ[ZOO_DIR_VARIABLE])
    return shipped_zoo_directory()


def zoo_directories() -> list[str]:
    """The zoos preset names resolve in: the shipped one, and `$BLUR_KERAS_ZOO_DIR` when set
    (it adds a zoo; it does not hide the shipped presets)."""
    shipped = shipped_zoo_directory()
    user = zoo_directory()
    same = os.path.realpath(user) == os.path.realpath(shipped)
    return [shipped] if same else [shipped, user]


def describe_zoo(zoo_dir: str) -> str:
    """`the shipped zoo (path)` or `the zoo of $BLUR_KERAS_ZOO_DIR (path)`: for messages."""
    if os.path.realpath(zoo_dir) == os.path.realpath(shipped_zoo_directory()):
        return f"the shipped zoo ({zoo_dir})"
    return f"the zoo of ${ZOO_DIR_VARIABLE} ({zoo_dir})"


def is_path(name_or_directory: str) -> bool:
    """Whether `load`'s argument is a directory path (it holds a path separator or starts with
    `~`) rather than a preset name, which resolves in the zoos only (never in the working
    directory)."""
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    return any(s in name_or_directory for s in separators) or name_or_directory.startswith("~")


def locate(name: str) -> tuple[str, dict]:
    """The zoo that holds the preset `name` (`zoo_directories()`) and its entry in that zoo's index.

    Raises:
        UnknownPresetError: no zoo has the name (the close ones are named).
        PresetError: two zoos hold different presets under the name.
    """
    indexes = {zoo_dir: read_index(zoo_dir) for zoo_dir in zoo_directories()}
    found = [(zoo_dir, index[name]) for zoo_dir, index in indexes.items() if name in index]
    if not found:
        import difflib
        every = sorted({preset for index in indexes.values() for preset in index})
        close = difflib.get_close_matches(name, every, n=3, cutoff=0.5)
        raise UnknownPresetError(
            f"Unknown preset {name!r}{'; closest: ' + ', '.join(close) if close else ''}. "
            f"Presets in {' and '.join(describe_zoo(z) for z in indexes)}: "
            f"{', '.join(every) or 'none'}. A preset directory is named by its path "
            f"(with a path separator, e.g. {os.path.join('.', name)}).")
    if any(entry != found[0][1] for _, entry in found[1:]):
        raise PresetError(
            f"Preset {name!r} is in {' and in '.join(describe_zoo(z) for z, _ in found)} with "
            f"different files, and a name means one preset: load the one you mean by its "
            f"directory path, or publish yours under another tag.")
    return found[0]


def in_shipped_zoo(directory: str) -> bool:
    """Whether the preset `directory` lies in the shipped zoo (so that it loads by name)."""
    parent, shipped = os.path.dirname(os.path.abspath(directory)), shipped_zoo_directory()
    return os.path.isdir(shipped) and os.path.samefile(parent, shipped)


def read_index(zoo_dir: str | None = None) -> dict:
    """The zoo index: `{preset: {"version"?: n, "files": {name: record}, "url"?: ...}}` (empty
    without one)."""
    path = os.path.join(zoo_dir or zoo_directory(), INDEX_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def index_source(zoo_dir: str) -> str:
    """What a preset of `zoo_dir` is checked against, for messages: its zoo's index."""
    return f"the index of {describe_zoo(zoo_dir)}"


def card_source(directory: str) -> str:
    """What a preset loaded by its directory is checked against, for messages: its own card."""
    return (f"the directory's own card ({os.path.join(directory, CARD_FILE)}; a preset loaded by "
            f"its path is checked against its card only, not against a zoo index)")


def check_file(path: str, record: dict, preset: str, source: str) -> None:
    """Refuses a file that is missing or differs in size or SHA-256 from `record`.

    Args:
        path: the file.
        record: `{"sha256": ..., "bytes": ...}`.
        preset: the preset's name, for messages.
        source: where `record` comes from (`index_source` or `card_source`), for messages.

    Raises:
        PresetError: naming the preset, the file, what differs and what it was checked against.
    """
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise PresetError(f"Preset {preset}: {name} is missing ({path}).")
    size = os.path.getsize(path)
    if size != record["bytes"]:
        raise PresetError(f"Preset {preset}: {name} has {size} bytes, {source} records "
                          f"{record['bytes']} (truncated or replaced). Nothing was loaded.")
    digest = sha256(path)
    if digest != record["sha256"]:
        raise PresetError(f"Preset {preset}: {name} does not match its SHA-256 in {source} "
                          f"({digest[:12]}... != {record['sha256'][:12]}...): the file was "
                          f"changed or damaged. Nothing was loaded.")


def verify_directory(directory: str, records: dict, preset: str, source: str) -> None:
    """Checks every file `records` lists for a preset directory, and that none is missing.

    Raises:
        PresetError: the first problem found.
    """
    missing = [name for name in PRESET_FILES if name not in records]
    if missing:
        raise PresetError(f"Preset {preset}: {source} records no hash for {missing}.")
    for name, record in records.items():
        check_file(os.path.join(directory, name), record, preset, source)


def preset_version(record: dict, preset: str = "preset") -> int:
    """The version of a preset's weights that a card or an index entry records.

    Args:
        record: the card, or the preset's entry in a zoo index.
        preset: the preset's name, for messages.

    Returns:
        The recorded `version` (an integer from 1), `DEFAULT_VERSION` when none is recorded.

    Raises:
        PresetError: a recorded version that is not an integer from 1.

    Example:

    >>> preset_version({"version": 2, "files": {}})
    2
    """
    version = record.get("version", DEFAULT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PresetError(f"Preset {preset}: its version {version!r} is not an integer from 1.")
    return version


def read_build_spec(zoo_dir: str | None = None) -> dict:
    """The presets the zoo is built from and their training options (`zoo/build.json`)."""
    path = os.path.join(zoo_dir or zoo_directory(), BUILD_FILE)
    if not os.path.isfile(path):
        raise PresetError(f"No {BUILD_FILE} in {os.path.dirname(path)}: nothing to build.")
    with open(path) as f:
        return json.load(f)


#: Keys of a `build.json` preset entry that are not `TrainConfig` options.
NOT_TRAINING_OPTIONS = ("notes", "version", "ship_if")


def preset_training_options(name: str, zoo_dir: str | None = None) -> dict:
    """The `TrainConfig` keyword arguments (all but `model_dir`) that build preset `name`.

    The one reading of a preset's recipe in `build.json`: `python -m blur_keras.zoo build`
    trains with it, and so does anything that must train the same run (the reproduction
    study's seed 0 is the preset's own run).

    Args:
        name: a preset of `build.json`, e.g. `resnet_mcdo_18.fmnist_w16`.
        zoo_dir: the zoo (default: `zoo_directory()`).

    Returns:
        `{"model": name's model part, "eval_ensemble_sizes": (1,), **the entry's options}`
        without the keys that are not training options (`NOT_TRAINING_OPTIONS`).

    Raises:
        PresetError: no `build.json`, or `name` is not in it.

    Example:

    >>> preset_training_options("resnet_dnn_18.fmnist_w16")["model"]
    'resnet_dnn_18'
    """
    presets = read_build_spec(zoo_dir)["presets"]
    if name not in presets:
        raise PresetError(f"{name} is not in {BUILD_FILE}; it builds {sorted(presets)}.")
    options = {key: value for key, value in presets[name].items()
               if key not in NOT_TRAINING_OPTIONS}
    return {"model": name.partition(".")[0], "eval_ensemble_sizes": (1,), **options}
