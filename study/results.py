"""Reading the committed results folder, and the pieces every claim of the report is made of."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable

import numpy as np

from study.evaluations import PROBABILITIES_FILE
from study.plan import Plan, run_name
from study.verdicts import Paired

#: The committed results folder that `python -m study run` writes and `python -m study report`
#: reads, relative to the repository root: version 2 of the study (the zoo's converged recipe);
#: version 1's (the 5-epoch recipe, `study/results/<run>/`) is in the git history.
RESULTS_DIR = os.path.join("study", "results", "v2")


class MissingKey(ValueError, KeyError):
    """A results JSON lacks a key the study reads (the message names the file and the key)."""

    __str__ = ValueError.__str__        # KeyError's would quote the message


class Record(dict):
    """A JSON object read from a results file: a missing key names the file.

    `record[key]` of an absent key raises `MissingKey` (a `ValueError` and a
    `KeyError`) instead of a bare `KeyError`; everything else is a plain dict.
    """

    path: str = ""

    def __missing__(self, key):
        raise MissingKey(f"{self.path} has no key {key!r} (keys: "
                         f"{', '.join(map(str, self)) or 'none'}): not a result of this version "
                         f"of the study; delete it and run `python -m study run` to "
                         f"write it again.")


def read_json(path: str) -> dict | None:
    """The JSON object in `path` (every object in it a `Record`), or None when there is no file.

    Raises:
        ValueError: the file is not valid JSON (the message names the file and the error).

    Example:

    >>> content = read_json("study/results/v2/resnet_dnn_18.s0/clean.json")
    >>> content["result"]["metrics"]["1"]["nll"]
    """
    if not os.path.isfile(path):
        return None

    def record(pairs: dict) -> Record:
        content = Record(pairs)
        content.path = path
        return content

    with open(path) as f:
        try:
            return json.load(f, object_hook=record)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}.") from None


@dataclasses.dataclass
class Row:
    """One line of the verdict table, or of the sanity checks when `why` says why it cannot fail."""

    claim: str
    text: str
    paper: str
    ours: str
    verdict: str
    why: str = ""


@dataclasses.dataclass
class Section:
    """A claim's part of the report: markdown lines, verdict rows, figures to draw.

    `figures` maps a file name (`claim2_samples.png`) to a function that draws
    it at a given path; a section adds one only when it has data for it. `against`
    lists results against the paper that are no row of the verdict table (e.g. one
    corruption's), for the report's summary.
    """

    title: str
    lines: list[str] = dataclasses.field(default_factory=list)
    rows: list[Row] = dataclasses.field(default_factory=list)
    figures: dict[str, Callable[[str], None]] = dataclasses.field(default_factory=dict)
    against: list[str] = dataclasses.field(default_factory=list)


def table(header: list[str], rows: list[str], empty: str = "Ours: not run yet.") -> list[str]:
    """A markdown table (`header`: its two first lines), or `empty` when it has no rows."""
    return header + rows if rows else [empty]


def variant(model: str) -> str:
    """`resnet_mcdo_smoothing_18` -> `mcdo_smoothing` (the keys of `study.paper`)."""
    return model.removeprefix("resnet_").removesuffix("_18")


LABELS = {"dnn": "deterministic", "dnn_smoothing": "deterministic + smoothing",
          "mcdo": "MC dropout", "mcdo_smoothing": "MC dropout + smoothing"}


def label(model: str) -> str:
    return LABELS.get(variant(model), model)


class Results:
    """The JSON files of a results folder, read once each.

    Args:
        plan: the study whose runs the folder holds.
        results_dir: the folder (`RESULTS_DIR`).
    """

    def __init__(self, plan: Plan, results_dir: str):
        self.plan, self.directory = plan, results_dir
        self._cache: dict[str, dict | None] = {}

    def _read(self, *parts: str) -> dict | None:
        path = os.path.join(self.directory, *parts)
        if path not in self._cache:
            self._cache[path] = read_json(path)
        return self._cache[path]

    def evaluation(self, run: str, name: str) -> dict | None:
        """`<run>/<name>.json`, or None."""
        return self._read(run, f"{name}.json")

    def training(self, run: str) -> dict | None:
        return self._read(run, "result.json")

    def study(self, filename: str) -> dict | None:
        return self._read(filename)

    def probabilities(self, run: str) -> tuple[np.ndarray, np.ndarray] | None:
        """`run`'s stored N = 1 test probabilities (float64, rows renormalised) and labels."""
        path = os.path.join(self.directory, run, PROBABILITIES_FILE)
        if not os.path.isfile(path):
            return None
        with np.load(path) as stored:
            probs = stored["probabilities"].astype(np.float64)
            return probs / probs.sum(axis=1, keepdims=True), stored["labels"].astype(np.int64)

    def clean(self, run: str, size: int, metric: str) -> float | None:
        """A clean-test metric of `run` at ensemble size `size`, or None."""
        content = self.evaluation(run, "clean")
        if content is None:
            return None
        values = content["result"]["metrics"].get(str(size))
        return None if values is None else values[metric]

    def paired(self, pair: str, value: Callable[[str], float | None], evaluation: str
               ) -> Paired:
        """`value(run)` of the pair's two models, per seed; missing JSONs are listed."""
        plain_model, smooth_model = self.plan.pairs[pair]
        paired = Paired()
        for seed in self.plan.seeds_of(pair):
            runs = (run_name(plain_model, seed), run_name(smooth_model, seed))
            values = [value(run) for run in runs]
            paired.add(seed, *values, missing=[f"{run}/{evaluation}.json"
                                               for run, v in zip(runs, values) if v is None])
        return paired

    def by_seed(self, model: str, value: Callable[[str], float | None]) -> list[float]:
        """`value` of every seed of `model` that has it."""
        values = [value(run_name(model, seed)) for seed in self.plan.seeds_of(model)]
        return [v for v in values if v is not None]
