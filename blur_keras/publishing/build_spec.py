"""`zoo/build.json` read and checked: what each preset of the zoo is built from.

```json
{"presets": {
  "resnet_dnn_18.fmnist_w16": {"dataset": "fashion_mnist", "model_args": {"width": 16},
                               "epochs": 15, "schedule": "cosine", "validation": "holdout",
                               "seed": 0, "version": 2, "notes": ["..."]},
  "resnet_bnn_18.fmnist_w16": {"dataset": "fashion_mnist", "...": "...",
                               "ship_if": {"test_accuracy": 0.90, "n": 1}},
  "resnet_dnn_18.fmnist_w16_ens3": {"ensemble_of": "resnet_dnn_18.fmnist_w16",
                                    "seeds": [0, 1, 2], "runs": {"1": "study/seed1"},
                                    "version": 1, "notes": ["..."]}}}
```

A single-network preset names its training options (`TrainConfig` fields but `model`, which is
the name's, and `model_dir`, which the build chooses), `version` (of its weights, default 1),
`notes` and `ship_if` (the least test accuracy it ships with, at `n` samples, default 1). An
ensemble preset names the preset whose recipe it repeats (`ensemble_of`), the members' `seeds`
and, optionally, finished `runs` to reuse by seed (paths relative to the build's runs
directory, or absolute).
"""

from __future__ import annotations

import dataclasses

from blur_keras.publishing.ensemble_names import ensemble_of
from blur_keras.zoo.files import (BUILD_FILE, DEFAULT_VERSION, NOT_TRAINING_OPTIONS, PresetError,
                                  read_build_spec)

#: Keys of an entry that are not training options.
ENTRY_KEYS = NOT_TRAINING_OPTIONS
ENSEMBLE_KEYS = ("ensemble_of", "seeds", "runs", "notes", "version")
#: `TrainConfig` fields an entry may not set: the build sets them.
BUILD_SETS = ("model", "model_dir", "verbose", "overwrite")
SHIP_IF_KEYS = ("test_accuracy", "n")


@dataclasses.dataclass(frozen=True)
class BuildEntry:
    """One preset of `build.json`, checked.

    Attributes:
        name: the preset.
        options: `TrainConfig` options of its run (an ensemble: those of `ensemble_of`).
        notes: lines for its card.
        version: the version of its weights.
        ship_if: `{"test_accuracy": a, "n": n}`, or None (always shipped).
        ensemble_of: the single-network preset whose recipe an ensemble repeats (None: a
            single network).
        seeds: an ensemble's members' seeds.
        runs: finished runs an ensemble reuses, by seed.
    """

    name: str
    options: dict
    notes: tuple[str, ...] = ()
    version: int = DEFAULT_VERSION
    ship_if: dict | None = None
    ensemble_of: str | None = None
    seeds: tuple[int, ...] = ()
    runs: dict = dataclasses.field(default_factory=dict)

    @property
    def model(self) -> str:
        """The registry name of its (members') network."""
        return self.name.partition(".")[0]


def _fail(name: str, problem: str) -> PresetError:
    return PresetError(f"{BUILD_FILE}: preset {name!r}: {problem}")


def _version(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(name, f"\"version\" is the version of its weights, an integer from 1; "
                          f"received {value!r}.")
    return value


def _notes(name: str, value) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise _fail(name, f"\"notes\" is a list of strings; received {value!r}.")
    return tuple(value)


def _ship_if(name: str, value) -> dict:
    accuracy = value.get("test_accuracy") if isinstance(value, dict) else None
    n = value.get("n", 1) if isinstance(value, dict) else None
    if not isinstance(value, dict) or set(value) - set(SHIP_IF_KEYS) \
            or isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) \
            or not 0 < accuracy <= 1 or isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _fail(name, f"\"ship_if\" is {{\"test_accuracy\": a, \"n\": n}} with 0 < a <= 1 "
                          f"(a fraction: 0.90 for 90%) and n >= 1 samples (default 1); "
                          f"received {value!r}.")
    return {"test_accuracy": float(accuracy), "n": n}


def _single(name: str, entry: dict, fields: set[str]) -> BuildEntry:
    unknown = sorted(set(entry) - fields - set(ENTRY_KEYS))
    if unknown:
        raise _fail(name, f"unknown keys {unknown}: an entry holds training options "
                          f"(blur_keras.training.TrainConfig fields but {list(BUILD_SETS)}) and "
                          f"{list(ENTRY_KEYS)}, or is an ensemble ({list(ENSEMBLE_KEYS)}).")
    if "dataset" not in entry:
        raise _fail(name, "\"dataset\" is missing (e.g. \"fashion_mnist\").")
    options = {key: value for key, value in entry.items() if key not in ENTRY_KEYS}
    return BuildEntry(name, options, _notes(name, entry.get("notes", [])),
                      _version(name, entry.get("version", DEFAULT_VERSION)),
                      _ship_if(name, entry["ship_if"]) if "ship_if" in entry else None)


def _ensemble(name: str, entry: dict, singles: dict[str, BuildEntry]) -> BuildEntry:
    unknown = sorted(set(entry) - set(ENSEMBLE_KEYS))
    if unknown:
        raise _fail(name, f"unknown keys {unknown} for an ensemble; it holds "
                          f"{list(ENSEMBLE_KEYS)} (its training options are those of "
                          f"\"ensemble_of\"; \"ship_if\" applies to single networks).")
    of, size = ensemble_of(name)
    if entry["ensemble_of"] != of:
        raise _fail(name, f"\"ensemble_of\" is the preset its name repeats, {of!r}; received "
                          f"{entry['ensemble_of']!r}.")
    if of not in singles:
        raise _fail(name, f"\"ensemble_of\" names {of!r}, which is not a single-network preset "
                          f"of {BUILD_FILE}: the ensemble repeats its recipe.")
    seeds = entry.get("seeds")
    if not isinstance(seeds, list) or len(seeds) != size or len(set(seeds)) != size or \
            not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise _fail(name, f"\"seeds\" lists the {size} distinct seeds (integers from 0) of its "
                          f"{size} networks (its name ends in _ens{size}); received {seeds!r}.")
    runs = entry.get("runs", {})
    if not isinstance(runs, dict) or not all(
            isinstance(path, str) and key.isdigit() and int(key) in seeds
            for key, path in runs.items()):
        raise _fail(name, f"\"runs\" maps seeds of \"seeds\" (as strings, e.g. \"1\") to finished "
                          f"run directories; received {runs!r}.")
    return BuildEntry(name, dict(singles[of].options), _notes(name, entry.get("notes", [])),
                      _version(name, entry.get("version", DEFAULT_VERSION)),
                      ensemble_of=of, seeds=tuple(seeds),
                      runs={int(key): path for key, path in runs.items()})


def read_entries(zoo_dir: str | None = None) -> dict[str, BuildEntry]:
    """Every preset of a zoo's `build.json`, checked.

    Args:
        zoo_dir: the zoo (default `zoo_directory()`).

    Returns:
        `{name: BuildEntry}` in the file's order.

    Raises:
        PresetError: no `build.json`, or an entry that is not one (what is wrong, and what
            an entry holds).

    Example:

    >>> read_entries()["resnet_dnn_18.fmnist_w16"].options["dataset"]
    'fashion_mnist'
    """
    from blur_keras.training import TrainConfig
    fields = {field.name for field in dataclasses.fields(TrainConfig)} - set(BUILD_SETS)
    presets = read_build_spec(zoo_dir).get("presets")
    if not isinstance(presets, dict):
        raise PresetError(f"{BUILD_FILE} holds {{\"presets\": {{name: entry}}}}; it has no "
                          f"\"presets\" object.")
    for name, entry in presets.items():
        if not isinstance(entry, dict):
            raise _fail(name, f"an entry is a JSON object; received {entry!r}.")
    singles = {name: _single(name, entry, fields) for name, entry in presets.items()
               if "ensemble_of" not in entry}
    return {name: singles[name] if name in singles else _ensemble(name, entry, singles)
            for name, entry in presets.items()}


def build_order(entries: dict[str, BuildEntry], names: list[str]) -> list[str]:
    """`names` in the order the build publishes them: deterministic networks, then stochastic
    ones, then ensembles (each meets its twin, published before it), by name within each."""
    from blur_keras import models

    def rank(name: str) -> tuple[int, str]:
        entry = entries[name]
        if entry.ensemble_of:
            return 2, name
        return (0 if models.parse(entry.model).variant == "dnn" else 1), name
    return sorted(names, key=rank)

