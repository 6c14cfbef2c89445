"""Reading a run's corruption scores from its results: AlexNet-normalised and raw."""

from __future__ import annotations

import numpy as np

from study.results import Results


def baseline_sums(results: Results):
    """The baseline run's `{corruption: (sum err %, sum NLL, sum ECE %)}`, or None."""
    from blur_keras.robustness import severity_sums
    if results.plan.baseline is None:
        return None
    content = results.evaluation(results.plan.baseline, "corruptions")
    return None if content is None else severity_sums(content["result"]["table"])


def scores(results: Results, run: str) -> dict | None:
    """mCE, mCNLL, mCECE (% of the baseline) and CE per corruption of `run`, or None."""
    from blur_keras.robustness import relative_corruption_scores
    sums = baseline_sums(results)
    content = results.evaluation(run, "corruptions")
    if sums is None or content is None:
        return None
    return relative_corruption_scores(content["result"]["table"], sums)


#: A corruption's CE (% of AlexNet, mean over the models) above this is called a loss to AlexNet.
LOSS_TO_ALEXNET = 150.0
#: Raw scores over the corruptions: key -> (heading, digits, scale).
RAW = {"error": ("mean error %", 2, 100.0), "nll": ("mean NLL", 4, 1.0),
       "ece": ("mean ECE %", 2, 100.0)}


def raw_scores(results: Results, run: str) -> dict[str, float] | None:
    """Mean error, NLL and ECE (fractions) over every corruption and severity of `run`."""
    content = results.evaluation(run, "corruptions")
    if content is None:
        return None
    rows = [row for rows in content["result"]["table"].values() for row in rows.values()]
    return {"error": float(np.mean([1 - row["accuracy"] for row in rows])),
            "nll": float(np.mean([row["nll"] for row in rows])),
            "ece": float(np.mean([row["ece"] for row in rows]))}


def mean_error(results: Results, run: str) -> float | None:
    """Error over every corruption and severity of `run` (fraction), or None."""
    values = raw_scores(results, run)
    return None if values is None else values["error"]


def corruption_error(results: Results, run: str, corruption: str) -> float | None:
    """`run`'s error (fraction) under one corruption, mean over its severities, or None."""
    content = results.evaluation(run, "corruptions")
    if content is None:
        return None
    rows = content["result"]["table"][corruption].values()
    return float(np.mean([1 - row["accuracy"] for row in rows]))


def relative_ce(results: Results, models) -> dict[str, float]:
    """Per corruption, the CE (% of the baseline AlexNet) of `models`: the mean over each
    model's seeds, then over the models ({} without the baseline)."""
    by_model = []
    for model in models:
        per = {}
        for seed in results.plan.seeds_of(model):
            values = scores(results, f"{model}.s{seed}")
            for corruption, value in ((values or {}).get("per_corruption") or {}).items():
                per.setdefault(corruption, []).append(value["ce"])
        if per:
            by_model.append({c: float(np.mean(v)) for c, v in per.items()})
    if not by_model:
        return {}
    return {c: float(np.mean([per[c] for per in by_model if c in per])) for c in by_model[0]}
