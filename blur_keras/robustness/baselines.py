"""Baselines of the relative corruption scores: a baseline model's sums, and the data they come from.

A relative score (CE, CNLL, CECE) divides a model's sum over severities by a
baseline model's sum on the *same* data: the published AlexNet sums on the
CIFAR-100-C files score other models on those files, not on corruptions
generated here. A `Baseline` therefore records its dataset, its source
(`"published"` files or `"generated"` by `blur_keras.corruptions`), its
severities and, for generated data, the seed and subset.

Registered baselines are the JSON files shipped in the package's
`baseline_sums/` (one per baseline, named after it; `cifar100_c_alexnet` is
the paper's AlexNet on CIFAR-100-C), and those a program registers with
`register_baseline` (a file, or a directory of them). To add your own, write
it where you keep it with `write_baseline`, e.g. from a baseline model's run,
and register that file or directory in each process that scores against it:

    b = read_baseline("alexnet_run/corruptions.json")
    path = write_baseline(dataclasses.replace(b, name="fashion_mnist_generated_alexnet",
                                              model="alexnet_dnn"), "~/baselines/fm.json")
    register_baseline("~/baselines")      # or the file; then it is found by its name

The JSON format: `{"name", "model", "dataset", "source", "severities", "seed",
"subset", "description", "sums": {corruption: {"error_percent", "nll", "ece_percent"}}}`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Mapping

from blur_keras.corruptions import SEVERITIES
from blur_keras.robustness.scores import severity_sums

SOURCES = ("published", "generated")
_DIRECTORY = os.path.join(os.path.dirname(__file__), "baseline_sums")
_SUM_KEYS = ("error_percent", "nll", "ece_percent")


@dataclasses.dataclass(frozen=True)
class Baseline:
    """A baseline model's sums over severities, and the data they were measured on.

    Attributes:
        name: registry name or the file it was read from.
        model: the baseline model.
        dataset: the clean dataset (`cifar100`, `fashion_mnist`, ...).
        source: `"published"` (the benchmark's files) or `"generated"`
            (`blur_keras.corruptions` on the clean test split).
        severities: the severities summed over.
        sums: `{corruption: (sum error %, sum NLL, sum ECE %)}`.
        seed: corruption seed of generated data (None: published).
        subset: first test images used (None: all).
        description: where the numbers come from.
    """

    name: str
    model: str
    dataset: str
    source: str
    severities: tuple[int, ...]
    sums: Mapping[str, tuple[float, float, float]]
    seed: int | None = None
    subset: int | None = None
    description: str = ""

    def data(self) -> str:
        """The data in words, e.g. `generated fashion_mnist (seed 0, first 1000 images)`."""
        details = ([f"seed {self.seed}"] if self.seed is not None else []) \
            + ([f"first {self.subset} images"] if self.subset is not None else [])
        return f"{self.source} {self.dataset}" + (f" ({', '.join(details)})" if details else "")


def _from_json(content, origin: str) -> Baseline:
    """A `Baseline` from the JSON of a baseline file; ValueErrors name `origin`."""
    expected = ("a baseline JSON {name, model, dataset, source, severities, sums: {corruption: "
                "{error_percent, nll, ece_percent}}} or a corruptions.json of "
                "python -m blur_keras.robustness")
    if not isinstance(content, dict):
        raise ValueError(f"{origin} is not {expected}.")
    missing = [k for k in ("name", "model", "dataset", "source", "severities", "sums")
               if k not in content]
    if missing:
        raise ValueError(f"{origin} lacks {missing}; expected {expected}.")
    if content["source"] not in SOURCES:
        raise ValueError(f"{origin}: source must be one of {SOURCES}; found "
                         f"{content['source']!r}.")
    sums = content["sums"]
    try:
        sums = {str(c): tuple(float(v[k]) for k in _SUM_KEYS) for c, v in sums.items()}
        severities = tuple(sorted(int(s) for s in content["severities"]))
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ValueError(f"{origin}: sums must map corruptions to {{error_percent, nll, "
                         f"ece_percent}} numbers and severities must be integers.") from None
    if not sums or not severities:
        raise ValueError(f"{origin} holds no sums or no severities.")
    for key in ("seed", "subset"):
        if not isinstance(content.get(key), (int, type(None))) or isinstance(content.get(key), bool):
            raise ValueError(f"{origin}: {key} must be an integer or null; found "
                             f"{content.get(key)!r}.")
    return Baseline(name=str(content["name"]), model=str(content["model"]),
                    dataset=str(content["dataset"]), source=content["source"],
                    severities=severities, sums=sums, seed=content.get("seed"),
                    subset=content.get("subset"), description=str(content.get("description", "")))


def _from_run(content: dict, origin: str) -> Baseline:
    """A `Baseline` from the `corruptions.json` of a run of `python -m blur_keras.robustness`."""
    config, table = content.get("config"), content["table"]
    if not isinstance(config, dict) or not isinstance(table, dict) or not table \
            or not all(isinstance(rows, dict) and rows for rows in table.values()):
        raise ValueError(f"{origin} has no config or an empty or malformed table; expected a "
                         "corruptions.json written by python -m blur_keras.robustness.")
    try:
        table = {c: {int(s): row for s, row in rows.items()} for c, rows in table.items()}
    except ValueError:
        raise ValueError(f"{origin}: the table's severities must be integers.") from None
    severity_sets = {tuple(sorted(rows)) for rows in table.values()}
    if len(severity_sets) != 1:
        raise ValueError(f"{origin}: its corruptions were evaluated at different severities "
                         f"{sorted(severity_sets)}; a baseline needs the same ones for all.")
    missing = [k for k in ("dataset", "source") if k not in config]
    if missing:
        raise ValueError(f"{origin}: its config lacks {missing}.")
    try:
        sums = severity_sums(table)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{origin}: {error}") from None
    return Baseline(name=origin, model=str(config.get("model", "")), dataset=config["dataset"],
                    source=config["source"], severities=severity_sets.pop(), sums=sums,
                    seed=config.get("seed") if config["source"] == "generated" else None,
                    subset=config.get("subset"),
                    description=f"severity sums of the run {origin}")


def read_baseline(path: str) -> Baseline:
    """Reads a baseline JSON (the registry's format) or a run's `corruptions.json`.

    Args:
        path: a file written by `write_baseline`, or the `corruptions.json` that
            `python -m blur_keras.robustness` writes (its sums and config are used).

    Returns:
        The `Baseline`.

    Raises:
        ValueError: the file is missing, not JSON, or not one of the two formats;
            the message names it.
    """
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise ValueError(f"Baseline file not found: {path}")
    try:
        with open(path) as f:
            content = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}); expected a baseline JSON or "
                         "a corruptions.json of python -m blur_keras.robustness.") from None
    if isinstance(content, dict) and "table" in content:
        return _from_run(content, path)
    return _from_json(content, path)


def write_baseline(baseline: Baseline, path: str) -> str:
    """Writes `baseline` as JSON in the registry's format (see the module docstring).

    Args:
        baseline: the baseline.
        path: the file to write (`~` is expanded; missing directories are
            created). Writing does not register it: see `register_baseline`.

    Returns:
        The absolute path written.
    """
    path = os.path.abspath(os.path.expanduser(path))
    content = {**{f.name: getattr(baseline, f.name) for f in dataclasses.fields(baseline)},
               "severities": list(baseline.severities),
               "sums": {c: dict(zip(_SUM_KEYS, v)) for c, v in baseline.sums.items()}}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(content, f, indent=2)
        f.write("\n")
    return path


def _json_files(directory: str) -> list[str]:
    return [os.path.join(directory, name) for name in sorted(os.listdir(directory))
            if name.endswith(".json")]


def _registry() -> dict[str, Baseline]:
    baselines = {}
    for path in _json_files(_DIRECTORY):
        baseline = read_baseline(path)
        baselines[baseline.name] = baseline
    return baselines


#: Registered baselines by name: the package's `baseline_sums/` and those of `register_baseline`.
BASELINES: dict[str, Baseline] = _registry()


def register_baseline(path: str) -> list[Baseline]:
    """Registers the baseline JSON `path`, or every `*.json` of the directory `path`.

    Registered baselines are found by name (`get_baseline`, `evaluate_corruptions(baseline=name)`)
    and by `matching_baseline`, for the rest of the process.

    Args:
        path: a file written by `write_baseline` (or a run's `corruptions.json`:
            then its name is its path), or a directory of such files; `~` is expanded.

    Returns:
        The baselines registered.

    Raises:
        ValueError: the path does not exist, a directory holds no JSON file, a
            file is not a baseline, or a name is registered already with other
            numbers.
    """
    expanded = os.path.expanduser(path)
    if os.path.isdir(expanded):
        paths = _json_files(expanded)
        if not paths:
            raise ValueError(f"{path} holds no baseline JSON files (*.json).")
    elif os.path.isfile(expanded):
        paths = [expanded]
    else:
        raise ValueError(f"Baseline file or directory not found: {path}")
    found = [read_baseline(p) for p in paths]
    for baseline in found:
        known = BASELINES.get(baseline.name)
        if known is not None and known != baseline:
            raise ValueError(f"A baseline named {baseline.name!r} is registered already, with "
                             f"other numbers; rename one of them.")
    for baseline in found:
        BASELINES[baseline.name] = baseline
    return found


def get_baseline(name: str) -> Baseline:
    """The registered baseline `name`; a `ValueError` listing the names otherwise."""
    if name not in BASELINES:
        raise ValueError(f"Unknown baseline {name!r}: expected one of {sorted(BASELINES)}.")
    return BASELINES[name]


def matching_baseline(dataset: str, source: str, *, seed: int | None = None,
                      subset: int | None = None) -> Baseline | None:
    """The registered baseline measured on `source` data of `dataset`, or None.

    Generated data must also match in corruption `seed` and `subset` (the
    first N test images; None: all): a baseline of other images is not one
    of this run's.

    Raises:
        ValueError: several registered baselines match (choose one by name).
    """
    found = [b for b in BASELINES.values() if b.dataset == dataset and b.source == source
             and (source != "generated" or (b.seed, b.subset) == (seed, subset))]
    if len(found) > 1:
        raise ValueError(f"Several registered baselines fit {source} {dataset}: "
                         f"{sorted(b.name for b in found)}; choose one with --baseline.")
    return found[0] if found else None


def check_comparable(baseline: Baseline, dataset: str | None, source: str | None,
                     severities=SEVERITIES, *, generated: tuple[int, int | None] | None = None,
                     command_line: bool = False) -> None:
    """Raises a one-line `ValueError` unless `baseline` was measured on data like this run's.

    Args:
        baseline: the baseline.
        dataset: the clean dataset of the run (None: not known, not checked).
        source: `"published"` or `"generated"` (None: not checked).
        severities: the severities the run sums over.
        generated: `(seed, subset)` of the run's generated corruptions (subset:
            the first N test images, None for all), checked against a
            baseline measured on generated data (None: not checked).
        command_line: phrase the advice in `python -m blur_keras.robustness`
            flags (`--baseline=none`, `--seed`, `--subset`) instead of the
            Python arguments.
    """
    if (dataset is not None and baseline.dataset != dataset) \
            or (source is not None and baseline.source != source):
        run = " ".join(part for part in (source, dataset) if part)
        remedy = ("a registered name, a baseline JSON or a baseline model's corruptions.json) "
                  "or --baseline=none" if command_line else
                  "a registered name, or a Baseline from read_baseline) or baseline=None")
        raise ValueError(
            f"baseline {baseline.name} was measured on {baseline.source} {baseline.dataset} data, "
            f"this run scores {run} data: relative scores would mix different data. Use a "
            f"baseline measured on the same data ({remedy}.")
    if tuple(sorted(severities)) != tuple(baseline.severities):
        raise ValueError(f"baseline {baseline.name} sums severities {list(baseline.severities)}, "
                         f"this run evaluates {sorted(severities)}: the sums are not comparable.")
    if generated is not None and baseline.source == "generated" \
            and tuple(generated) != (baseline.seed, baseline.subset):
        seed, subset = generated
        run = dataclasses.replace(baseline, seed=seed, subset=subset)
        remedy = ("Use --seed and --subset as the baseline's." if command_line else
                  "Corrupt the same images with the same seed as the baseline.")
        raise ValueError(f"baseline {baseline.name} was measured on {baseline.data()}, this run "
                         f"scores {run.data()}: other corrupted images, so the sums are not "
                         f"comparable. {remedy}")
