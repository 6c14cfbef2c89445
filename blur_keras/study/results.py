"""Reading the committed results folder, and the pieces every claim of the report is made of."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable

from blur_keras.study.plan import Plan, run_name
from blur_keras.study.verdicts import Paired


@dataclasses.dataclass
class Row:
    """One line of the verdict table."""

    claim: str
    text: str
    paper: str
    ours: str
    verdict: str


@dataclasses.dataclass
class Section:
    """A claim's part of the report: markdown lines, verdict rows, figures to draw.

    `figures` maps a file name (`claim2_samples.png`) to a function that draws
    it at a given path; a section adds one only when it has data for it.
    """

    title: str
    lines: list[str] = dataclasses.field(default_factory=list)
    rows: list[Row] = dataclasses.field(default_factory=list)
    figures: dict[str, Callable[[str], None]] = dataclasses.field(default_factory=dict)


def table(header: list[str], rows: list[str], empty: str = "Ours: not run yet.") -> list[str]:
    """A markdown table (`header`: its two first lines), or `empty` when it has no rows."""
    return header + rows if rows else [empty]


def variant(model: str) -> str:
    """`resnet_mcdo_smoothing_18` -> `mcdo_smoothing` (the keys of `blur_keras.study.paper`)."""
    return model.removeprefix("resnet_").removesuffix("_18")


LABELS = {"dnn": "deterministic", "dnn_smoothing": "deterministic + smoothing",
          "mcdo": "MC dropout", "mcdo_smoothing": "MC dropout + smoothing"}


def label(model: str) -> str:
    return LABELS.get(variant(model), model)


class Results:
    """The JSON files of a results folder, read once each.

    Args:
        plan: the study whose runs the folder holds.
        results_dir: the folder (`study/results`).
    """

    def __init__(self, plan: Plan, results_dir: str):
        self.plan, self.directory = plan, results_dir
        self._cache: dict[str, dict | None] = {}

    def _read(self, *parts: str) -> dict | None:
        path = os.path.join(self.directory, *parts)
        if path not in self._cache:
            if os.path.isfile(path):
                with open(path) as f:
                    self._cache[path] = json.load(f)
            else:
                self._cache[path] = None
        return self._cache[path]

    def evaluation(self, run: str, name: str) -> dict | None:
        """`<run>/<name>.json`, or None."""
        return self._read(run, f"{name}.json")

    def training(self, run: str) -> dict | None:
        return self._read(run, "result.json")

    def study(self, filename: str) -> dict | None:
        return self._read(filename)

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
        for seed in self.plan.seeds:
            runs = (run_name(plain_model, seed), run_name(smooth_model, seed))
            values = [value(run) for run in runs]
            paired.add(seed, *values, missing=[f"{run}/{evaluation}.json"
                                               for run, v in zip(runs, values) if v is None])
        return paired

    def by_seed(self, model: str, value: Callable[[str], float | None]) -> list[float]:
        """`value` of every seed of `model` that has it."""
        values = [value(run_name(model, seed)) for seed in self.plan.seeds]
        return [v for v in values if v is not None]
