"""Robustness scores from metrics: corruption errors relative to a baseline, consistency.

Corruption protocol (Hendrycks & Dietterich 2019, as used by Park & Kim 2022):
`CE_c = sum_s Err(s, c) / sum_s Err_baseline(s, c)` over severities s of corruption
c, and likewise CNLL and CECE with NLL and ECE; mCE, mCNLL and mCECE are their
means over the corruptions (baselines: `blur_keras.robustness.baselines`).
Consistency (CIFAR-10-P style) over sequences of gradually perturbed frames:
Cons = mean [argmax f(x_t) = argmax f(x_t+1)]; CEC as the paper's code computes
it (Table E.3): `-mean over sequences, transitions and classes of
f_c(x_t+1) log f_c(x_t)`; and the flip rate.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from blur_keras.metrics import check_probabilities

Table = Mapping[str, Mapping[int, Mapping[str, float]]]


def severity_sums(table: Table) -> dict[str, tuple[float, float, float]]:
    """Sums over severities of (error %, NLL, ECE %) per corruption.

    Args:
        table: `{corruption: {severity: {"accuracy": a, "nll": n, "ece": e}}}` with
            accuracy and ECE as fractions (as `blur_keras.metrics.summary` returns).

    Returns:
        `{corruption: (sum error %, sum NLL, sum ECE %)}`, the sums of a `Baseline`.
    """
    sums = {}
    for corruption, by_severity in table.items():
        if not by_severity:
            raise ValueError(f"Corruption {corruption!r} has no severities.")
        rows = list(by_severity.values())
        missing = [k for k in ("accuracy", "nll", "ece") if any(k not in r for r in rows)]
        if missing:
            raise ValueError(f"Corruption {corruption!r} lacks metrics {missing}; expected "
                             "accuracy, nll and ece per severity.")
        sums[corruption] = (sum(100.0 * (1.0 - r["accuracy"]) for r in rows),
                            sum(r["nll"] for r in rows),
                            sum(100.0 * r["ece"] for r in rows))
    return sums


def relative_corruption_scores(table: Table,
                               baseline: Mapping[str, tuple[float, float, float]]) -> dict:
    """CE, CNLL and CECE per corruption and their means (in %), relative to a baseline.

    Args:
        table: metrics per corruption and severity (see `severity_sums`).
        baseline: `{corruption: (sum error %, sum NLL, sum ECE %)}` measured on the
            same data: the `sums` of a `Baseline`, or `severity_sums(baseline_table)`
            of a model you evaluated yourself.

    Returns:
        `{"per_corruption": {c: {"ce", "cnll", "cece"}}, "mce", "mcnll", "mcece",
        "corruptions"}`; the means run over the corruptions that the table and
        the baseline share (the other corruptions are listed in `"skipped"`).
    """
    sums = severity_sums(table)
    shared = [c for c in sums if c in baseline]
    if not shared:
        raise ValueError(f"No corruption of the table ({sorted(sums)}) is in the baseline "
                         f"({sorted(baseline)}).")
    per = {}
    for c in shared:
        err, nll, ece = sums[c]
        base_err, base_nll, base_ece = baseline[c]
        per[c] = {"ce": 100.0 * err / base_err, "cnll": 100.0 * nll / base_nll,
                  "cece": 100.0 * ece / base_ece}
    return {"per_corruption": per,
            "mce": float(np.mean([v["ce"] for v in per.values()])),
            "mcnll": float(np.mean([v["cnll"] for v in per.values()])),
            "mcece": float(np.mean([v["cece"] for v in per.values()])),
            "corruptions": shared, "skipped": [c for c in sums if c not in baseline]}


def consistency_metrics(probs: np.ndarray, flip_reference: str = "consecutive") -> dict[str, float]:
    """Consistency of predictions along perturbation sequences.

    Args:
        probs: `(sequences, frames, classes)` predictive probabilities.
        flip_reference: `"consecutive"` (flip = prediction changes from frame
            t to t+1; for translations, rotations, ...) or `"first"` (from the
            first frame; CIFAR-10-P's rule for noise sequences).

    Returns:
        `{"cons", "cec", "cross_entropy", "flip_rate"}`: consistency (fraction
        of consecutive frames with the same prediction); `cec`, the paper's
        cross-entropy consistency as its code computes it (Table E.3),
        `-mean_{sequence, t, c} f_c(x_t+1) log f_c(x_t)` (a mean over the
        classes too); `cross_entropy`, the formula as the paper's text writes
        it, `-mean_{sequence, t} sum_c f_c(x_t) log f_c(x_t+1)` (a sum over
        classes, the frames the other way round); and the mean flip rate.
        Log-probabilities are floored at the smallest positive float64.

    Example:

    >>> consistency_metrics([[[0.9, 0.1], [0.2, 0.8]]])["cec"]   # -(0.2 log .9 + 0.8 log .1) / 2
    0.9315...
    """
    probs = np.asarray(probs)
    if probs.ndim != 3 or probs.shape[1] < 2:
        raise ValueError(f"probs must have shape (sequences, frames >= 2, classes); "
                         f"received {probs.shape}.")
    if flip_reference not in ("consecutive", "first"):
        raise ValueError(f"flip_reference must be 'consecutive' or 'first'; "
                         f"received {flip_reference!r}.")
    probs = check_probabilities(probs)
    predictions = probs.argmax(axis=-1)
    same = predictions[:, 1:] == predictions[:, :-1]
    log_probs = np.log(np.maximum(probs, np.finfo(np.float64).tiny))
    cec = -np.mean(probs[:, 1:] * log_probs[:, :-1])
    cross_entropy = -np.mean(np.sum(probs[:, :-1] * log_probs[:, 1:], axis=-1))
    flips = ~same if flip_reference == "consecutive" \
        else predictions[:, 1:] != predictions[:, :1]
    return {"cons": float(same.mean()), "cec": float(cec), "cross_entropy": float(cross_entropy),
            "flip_rate": float(flips.mean())}
