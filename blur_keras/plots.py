"""Plots of the paper: reliability diagrams and metric-vs-ensemble-size curves."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from blur_keras.metrics import calibration_bins, ece


def _figure(nrows: int, ncols: int, figsize, **kwargs):
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt.subplots(nrows, ncols, figsize=figsize, **kwargs)


def _save(fig, path: str | None):
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def reliability_diagram(probs, labels, num_bins: int = 10, title: str | None = None,
                        path: str | None = None):
    """Reliability diagram (accuracy per confidence bin) over a confidence histogram.

    Args:
        probs: predictive probabilities `(examples, classes)`.
        labels: integer labels `(examples,)`.
        num_bins: equal-width confidence bins.
        title: figure title; the ECE is appended.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    bins = calibration_bins(probs, labels, num_bins)
    edges, count = bins["edges"], bins["count"]
    centers = (edges[:-1] + edges[1:]) / 2
    width = 1.0 / num_bins
    fig, (top, bottom) = _figure(2, 1, (4.5, 5.5), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1]})
    accuracy = np.nan_to_num(bins["accuracy"])
    confidence = np.where(count > 0, bins["confidence"], centers)
    top.bar(centers, accuracy, width=width, edgecolor="black", color="#4c72b0", label="accuracy")
    top.bar(centers, confidence - accuracy, bottom=accuracy, width=width, edgecolor="#c44e52",
            color="#c44e52", alpha=0.3, hatch="//", label="gap to confidence")
    top.plot([0, 1], [0, 1], "k--", linewidth=1)
    top.set_ylabel("accuracy")
    top.set_ylim(0, 1)
    top.legend(loc="upper left", fontsize=8)
    top.set_title(f"{title + ', ' if title else ''}ECE {100 * ece(probs, labels, num_bins):.2f}%")
    bottom.bar(centers, count / count.sum(), width=width, edgecolor="black", color="#8c8c8c")
    bottom.set_xlabel("confidence")
    bottom.set_ylabel("frequency")
    bottom.set_xlim(0, 1)
    fig.tight_layout()
    return _save(fig, path)


def ensemble_size_curves(results: Mapping[str, Mapping[int, float]], metric: str = "NLL",
                         title: str | None = None, path: str | None = None):
    """A metric against the ensemble size (number of samples) for several models.

    Args:
        results: `{model label: {ensemble size: metric value}}`.
        metric: the metric's name, for the axis label.
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    if not results or not all(results.values()):
        raise ValueError("ensemble_size_curves needs at least one model with one ensemble size.")
    fig, axis = _figure(1, 1, (5, 3.5))
    for label, values in results.items():
        sizes = sorted(values)
        axis.plot(sizes, [values[n] for n in sizes], marker="o", label=label)
    axis.set_xscale("log")
    sizes = sorted({n for values in results.values() for n in values})
    axis.set_xticks(sizes)
    axis.set_xticklabels([str(n) for n in sizes])
    axis.set_xlabel("ensemble size (samples)")
    axis.set_ylabel(metric)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    if title:
        axis.set_title(title)
    fig.tight_layout()
    return _save(fig, path)
