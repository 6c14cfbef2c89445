"""`evaluate_corruptions`: metrics per corruption and severity, and scores against a baseline."""

from __future__ import annotations

import csv
import json
import os
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from blur_keras import corruptions as corruption_lib
from blur_keras import metrics, plots
from blur_keras.evaluation import numpy_batches
from blur_keras.predict import predict_proba
from blur_keras.robustness.baselines import Baseline, check_comparable, get_baseline
from blur_keras.robustness.consistency import normalize_images
from blur_keras.robustness.scores import relative_corruption_scores, severity_sums
from blur_keras.json_output import write_json

#: `(corruption, severity) -> batches of (model inputs, labels)`, e.g. a published set.
CorruptedBatches = Callable[[str, int], Iterable]
#: The files `write_corruption_outputs` writes into its directory.
CORRUPTION_OUTPUT_FILES = ("corruptions.csv", "corruptions.json", "metric_vs_severity.png",
                           "heatmap_accuracy.png", "heatmap_nll.png", "heatmap_ece.png")


def _baseline_sums(baseline, generated: bool, severities: Sequence[int]
                   ) -> tuple[Mapping[str, tuple[float, float, float]], str] | None:
    """`(sums, name)` of a baseline given by name, `Baseline`, sums mapping or metrics table.

    A `Baseline` (or registered name) must come from data like this run's:
    the same severities, and generated data for `generated` runs.
    """
    if baseline is None:
        return None
    if isinstance(baseline, str):
        baseline = get_baseline(baseline)
    if isinstance(baseline, Baseline):
        check_comparable(baseline, None, "generated" if generated else None, severities)
        return baseline.sums, baseline.name
    if not isinstance(baseline, Mapping) or not baseline:
        raise ValueError(f"baseline must be None, a registered name, a Baseline, a sums "
                         f"mapping or a metrics table; received {baseline!r}.")
    first = next(iter(baseline.values()))
    if isinstance(first, Mapping):
        return severity_sums(baseline), "a metrics table"
    return baseline, "a sums mapping"


def generated_batches(images: np.ndarray, labels: np.ndarray, normalization, batch_size: int,
                      seed: int) -> CorruptedBatches:
    """Batches of `images` corrupted on the fly by `blur_keras.corruptions`.

    What `evaluate_corruptions` does with `(images, labels)`: batch k of
    corruption c at severity s uses seed `(seed, index of c, s, k)`, so a
    result does not depend on which other corruptions are evaluated. Pass the
    returned callable (or a cache of its batches) as `dataset` to get the same
    numbers.

    Args:
        images: clean uint8 or [0, 1] images.
        labels: their labels.
        normalization: `(mean, std)` per channel, or None.
        batch_size: images per batch (part of the seed).
        seed: corruption seed.

    Returns:
        `(corruption, severity) -> batches of (model inputs, labels)`.
    """
    order = corruption_lib.names(extra=True)

    def batches(corruption: str, severity: int):
        for k, start in enumerate(range(0, len(images), batch_size)):
            corrupted = corruption_lib.corrupt(images[start:start + batch_size], corruption,
                                               severity, seed=(seed, order.index(corruption),
                                                               severity, k))
            yield normalize_images(corrupted, normalization), labels[start:start + batch_size]

    return batches


def evaluate_corruptions(model, dataset, corruptions: Sequence[str] | None = None,
                         severities: Sequence[int] = corruption_lib.SEVERITIES, num_samples: int = 1, *,
                         normalization=None, baseline=None, batch_size: int = 256,
                         seed: int = 0, num_bins: int = 10, progress: bool = True,
                         outputs: str = "auto", ece_binning: str = "consistent") -> dict:
    """NLL, accuracy and ECE (and the rest of `metrics.summary`) per corruption and severity.

    Args:
        model: a model that outputs logits or probabilities (see `outputs`).
        dataset: either clean `(images, labels)` arrays (uint8, or floats in
            [0, 1]), corrupted here with `blur_keras.corruptions` and then
            normalised with `normalization`; or a callable
            `(corruption, severity) -> batches of (model inputs, labels)`, e.g.
            `functools.partial(blur_keras.data.load_corrupted, "cifar10", batch_size=256)`
            for the published CIFAR-10-C.
        corruptions: names; default the 15 benchmark corruptions.
        severities: severities to evaluate (1-5).
        num_samples: Monte Carlo samples per image (`predict_proba`).
        normalization: `(mean, std)` per channel for generated corruptions.
        baseline: None (no relative scores); a registered name (e.g.
            `"cifar100_c_alexnet"`, the paper's AlexNet sums on the published
            CIFAR-100-C files) or a `Baseline` (`read_baseline`), which must
            have been measured at `severities` and, for generated corruptions,
            on generated data; or, unchecked, a `{corruption: (sum err %, sum
            NLL, sum ECE %)}` mapping or the `"table"` of a baseline model's
            run on the same data.
        batch_size: images per batch (generated corruptions and prediction).
        seed: corruption seed (generated corruptions).
        num_bins: ECE bins.
        progress: print one line per corruption and severity.
        outputs: `"auto"`, `"logits"` or `"probabilities"` (see `predict_proba`).
        ece_binning: `"consistent"` or `"reference"` (see `metrics.calibration_bins`).

    Returns:
        `{"table": {corruption: {severity: metrics}}, "scores": ...}` with
        `scores` from `relative_corruption_scores` (CE, CNLL, CECE per
        corruption, mCE, mCNLL, mCECE, all in %, and `"baseline"`: its name)
        or None without a baseline.

    Example:

    >>> result = evaluate_corruptions(model, (x_test, y_test), num_samples=2,
    ...                               normalization=((0.286,), (0.353,)))
    >>> plots.corruption_heatmap(result["table"], "accuracy")
    """
    known = corruption_lib.names(extra=True)
    corruptions = list(corruption_lib.names() if corruptions is None else corruptions)
    unknown = [c for c in corruptions if c not in known]
    if unknown or not corruptions:
        raise ValueError(f"corruptions must be a non-empty subset of {list(known)}; "
                         f"unknown: {unknown}.")
    if not severities or any(isinstance(s, bool) or s not in corruption_lib.SEVERITIES for s in severities):
        raise ValueError(f"severities must be integers from 1 to 5; received {severities!r}.")
    baseline_sums = _baseline_sums(baseline, not callable(dataset), severities)
    if callable(dataset):
        batches = dataset
    else:
        try:
            images, labels = dataset
        except (TypeError, ValueError):
            raise ValueError("dataset must be (images, labels) arrays or a callable "
                             "(corruption, severity) -> batches.") from None
        images, labels = np.asarray(images), np.asarray(labels).reshape(-1)
        if len(images) != len(labels) or len(images) == 0:
            raise ValueError(f"images and labels must be non-empty and equally long; "
                             f"received {len(images)} and {len(labels)}.")
        batches = generated_batches(images, labels, normalization, batch_size, seed)
    table: dict[str, dict[int, dict[str, float]]] = {}
    for corruption in corruptions:
        table[corruption] = {}
        for severity in severities:
            probs, truth = [], []
            for x, y in numpy_batches(batches(corruption, severity)):
                probs.append(predict_proba(model, x, num_samples=num_samples,
                                           batch_size=batch_size, outputs=outputs))
                truth.append(np.asarray(y).reshape(-1))
            if not truth:
                raise ValueError(f"No data for {corruption} severity {severity}.")
            row = metrics.summary(np.concatenate(probs), np.concatenate(truth), num_bins,
                                  ece_binning)
            table[corruption][severity] = row
            if progress:
                print(f"{corruption:>18} s{severity}: acc {row['accuracy']:.4f} "
                      f"nll {row['nll']:.4f} ece {row['ece']:.4f}", flush=True)
    scores = None
    if baseline_sums is not None:
        sums, name = baseline_sums
        scores = {**relative_corruption_scores(table, sums), "baseline": name}
    return {"table": table, "scores": scores}


def write_corruption_outputs(result: dict, output_dir: str, config: dict, title: str) -> dict:
    """Writes the `CORRUPTION_OUTPUT_FILES`: tables (CSV, JSON), heatmaps, severity plot.

    Returns:
        The paths written, by kind.
    """
    os.makedirs(output_dir, exist_ok=True)
    table = result["table"]
    paths = {"csv": os.path.join(output_dir, "corruptions.csv"),
             "json": os.path.join(output_dir, "corruptions.json"),
             "severity": os.path.join(output_dir, "metric_vs_severity.png")}
    keys = list(next(iter(next(iter(table.values())).values())))
    with open(paths["csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["corruption", "severity"] + keys)
        for corruption, by_severity in table.items():
            for severity, row in by_severity.items():
                writer.writerow([corruption, severity] + [row[k] for k in keys])
    write_json(paths["json"], {"config": config, "scores": result["scores"],
                               "table": {c: {str(s): row for s, row in rows.items()}
                                         for c, rows in table.items()}})
    for metric in ("accuracy", "nll", "ece"):
        paths[f"heatmap_{metric}"] = os.path.join(output_dir, f"heatmap_{metric}.png")
        plots.corruption_heatmap(table, metric, title=title, path=paths[f"heatmap_{metric}"])
    plots.metric_vs_severity({title: table}, "accuracy", path=paths["severity"])
    return paths


def read_corruption_table(path: str) -> dict:
    """The `table` of a `corruptions.json` written by `write_corruption_outputs`."""
    with open(path) as f:
        content = json.load(f)
    if "table" not in content:
        raise ValueError(f"{path} has no 'table'; expected a corruptions.json of this package.")
    return {c: {int(s): row for s, row in rows.items()} for c, rows in content["table"].items()}
