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


def _finish_line_plot(fig, axis, xlabel: str, ylabel: str, title: str | None, path: str | None):
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    if title:
        axis.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


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
    return _finish_line_plot(fig, axis, "ensemble size (samples)", metric, title, path)


def image_grid(grid: np.ndarray, row_labels, column_labels, title: str | None = None,
               path: str | None = None):
    """A grid of images with labelled rows and columns (e.g. corruption x severity).

    Args:
        grid: `(rows, columns, height, width, channels)` floats in [0, 1]; one
            channel is shown in grey.
        row_labels: a label per row.
        column_labels: a label per column.
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    grid = np.asarray(grid)
    if grid.ndim != 5 or grid.shape[-1] not in (1, 3):
        raise ValueError(f"grid must have shape (rows, columns, height, width, 1 or 3); "
                         f"received {grid.shape}.")
    rows, columns = grid.shape[:2]
    if len(row_labels) != rows or len(column_labels) != columns:
        raise ValueError(f"Expected {rows} row and {columns} column labels; received "
                         f"{len(row_labels)} and {len(column_labels)}.")
    height = 1.1 * rows + 0.6
    fig, axes = _figure(rows, columns, (1.1 * columns + 1.2, height), squeeze=False)
    for r in range(rows):
        for c in range(columns):
            axis = axes[r, c]
            image = np.clip(grid[r, c], 0, 1)
            axis.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray",
                        vmin=0, vmax=1, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if r == 0:
                axis.set_title(str(column_labels[c]), fontsize=8)
            if c == 0:
                axis.set_ylabel(str(row_labels[r]), fontsize=7, rotation=0, ha="right",
                                va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / height if title else 1))
    return _save(fig, path)


def _severity_matrix(table: Mapping[str, Mapping[int, Mapping[str, float]]], metric: str):
    if not table or not all(table.values()):
        raise ValueError("The table needs at least one corruption with one severity.")
    severities = sorted({s for by_severity in table.values() for s in by_severity})
    missing = [c for c, by_severity in table.items()
               if any(metric not in row for row in by_severity.values())]
    if missing:
        raise ValueError(f"Metric {metric!r} is missing for {missing}.")
    values = np.array([[table[c][s][metric] if s in table[c] else np.nan for s in severities]
                       for c in table])
    return list(table), severities, values


def corruption_heatmap(table: Mapping[str, Mapping[int, Mapping[str, float]]],
                       metric: str = "accuracy", title: str | None = None,
                       path: str | None = None):
    """A heatmap of one metric per corruption (rows) and severity (columns).

    Args:
        table: `{corruption: {severity: {metric: value}}}` (see
            `blur_keras.robustness.evaluate_corruptions`).
        metric: the metric to show, e.g. `"accuracy"`, `"nll"` or `"ece"`.
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    corruptions, severities, values = _severity_matrix(table, metric)
    fig, axis = _figure(1, 1, (1.0 * len(severities) + 3, 0.35 * len(corruptions) + 1.5))
    image = axis.imshow(values, aspect="auto", cmap="viridis")
    axis.set_xticks(range(len(severities)))
    axis.set_xticklabels([str(s) for s in severities])
    axis.set_yticks(range(len(corruptions)))
    axis.set_yticklabels(corruptions, fontsize=8)
    axis.set_xlabel("severity")
    low, high = np.nanmin(values), np.nanmax(values)
    for (r, c), value in np.ndenumerate(values):
        if np.isfinite(value):  # dark text on the bright half of viridis
            bright = high > low and (value - low) / (high - low) > 0.6
            axis.text(c, r, f"{value:.3g}", ha="center", va="center", fontsize=7,
                      color="black" if bright else "white")
    fig.colorbar(image, ax=axis, label=metric)
    if title:
        axis.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def metric_vs_severity(tables: Mapping[str, Mapping[str, Mapping[int, Mapping[str, float]]]],
                       metric: str = "accuracy", title: str | None = None,
                       path: str | None = None):
    """A metric, averaged over corruptions, against the severity, one line per model.

    Args:
        tables: `{model label: {corruption: {severity: {metric: value}}}}`.
        metric: the metric to plot.
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    if not tables:
        raise ValueError("metric_vs_severity needs at least one model's table.")
    fig, axis = _figure(1, 1, (5, 3.5))
    for label, table in tables.items():
        _, severities, values = _severity_matrix(table, metric)
        axis.plot(severities, np.nanmean(values, axis=0), marker="o", label=label)
    return _finish_line_plot(fig, axis, "severity", f"{metric} (mean over corruptions)", title,
                             path)
