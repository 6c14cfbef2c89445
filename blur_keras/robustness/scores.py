"""Robustness scores from metrics: corruption errors relative to a baseline, consistency.

Corruption protocol (Hendrycks & Dietterich 2019, as used by Park & Kim 2022):
`CE_c = sum_s Err(s, c) / sum_s Err_baseline(s, c)` over severities s of corruption
c, and likewise CNLL and CECE with NLL and ECE; mCE, mCNLL and mCECE are their
means over the corruptions. The AlexNet sums on CIFAR-100-C of PAPER.md are the
default baseline. Consistency (CIFAR-10-P style) over sequences of gradually
perturbed frames: Cons = mean [argmax f(x_t) = argmax f(x_t+1)],
CEC = -mean f(x_t) . log f(x_t+1), and the flip rate.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

#: AlexNet on CIFAR-100-C: sums over the 5 severities of (error %, NLL, ECE %).
ALEXNET_CIFAR100_C: dict[str, tuple[float, float, float]] = {
    "gaussian_noise": (356.48, 33.2232, 234.09),
    "shot_noise": (326.75, 26.4335, 200.93),
    "impulse_noise": (393.02, 47.4422, 270.89),
    "defocus_blur": (260.91, 14.3396, 125.06),
    "glass_blur": (353.00, 28.3632, 224.11),
    "motion_blur": (279.46, 15.1628, 133.68),
    "zoom_blur": (274.88, 14.8510, 132.90),
    "snow": (293.69, 18.6783, 163.00),
    "frost": (305.29, 18.9350, 167.53),
    "fog": (282.68, 13.5343, 109.05),
    "brightness": (244.20, 14.6176, 125.55),
    "contrast": (308.92, 14.8965, 95.69),
    "elastic_transform": (261.21, 13.9424, 125.53),
    "pixelate": (234.37, 12.6465, 110.67),
    "jpeg_compression": (249.13, 13.8661, 122.65),
}

#: Shipped baselines, by name (`--baseline` of the CLI).
BASELINES = {"alexnet_cifar100": ALEXNET_CIFAR100_C}

Table = Mapping[str, Mapping[int, Mapping[str, float]]]


def severity_sums(table: Table) -> dict[str, tuple[float, float, float]]:
    """Sums over severities of (error %, NLL, ECE %) per corruption.

    Args:
        table: `{corruption: {severity: {"accuracy": a, "nll": n, "ece": e}}}` with
            accuracy and ECE as fractions (as `blur_keras.metrics.summary` returns).

    Returns:
        `{corruption: (sum error %, sum NLL, sum ECE %)}`, comparable with
        `ALEXNET_CIFAR100_C`.
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
                               baseline: Mapping[str, tuple[float, float, float]] | None = None
                               ) -> dict:
    """CE, CNLL and CECE per corruption and their means (in %), relative to a baseline.

    Args:
        table: metrics per corruption and severity (see `severity_sums`).
        baseline: `{corruption: (sum error %, sum NLL, sum ECE %)}`; default the
            AlexNet CIFAR-100-C sums. Pass `severity_sums(baseline_table)` to
            compare with a model you evaluated yourself.

    Returns:
        `{"per_corruption": {c: {"ce", "cnll", "cece"}}, "mce", "mcnll", "mcece",
        "corruptions"}`; the means run over the corruptions that the table and
        the baseline share (the other corruptions are listed in `"skipped"`).
    """
    baseline = ALEXNET_CIFAR100_C if baseline is None else baseline
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
        `{"cons", "cec", "flip_rate"}`: consistency (fraction of consecutive
        frames with the same prediction), cross-entropy consistency
        `-mean_t f(x_t) . log f(x_t+1)`, and the mean flip rate.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3 or probs.shape[1] < 2:
        raise ValueError(f"probs must have shape (sequences, frames >= 2, classes); "
                         f"received {probs.shape}.")
    if flip_reference not in ("consecutive", "first"):
        raise ValueError(f"flip_reference must be 'consecutive' or 'first'; "
                         f"received {flip_reference!r}.")
    predictions = probs.argmax(axis=-1)
    same = predictions[:, 1:] == predictions[:, :-1]
    log_next = np.log(np.maximum(probs[:, 1:], np.finfo(np.float64).tiny))
    cec = -np.mean(np.sum(probs[:, :-1] * log_next, axis=-1))
    flips = ~same if flip_reference == "consecutive" \
        else predictions[:, 1:] != predictions[:, :1]
    return {"cons": float(same.mean()), "cec": float(cec), "flip_rate": float(flips.mean())}
