"""The report's figures, drawn from plain numbers with fixed settings (same numbers, same PNG).

Each function takes the values to draw and a path; the analysis figures reuse
`blur_keras.plots`. Every figure is drawn under matplotlib's default style, at a fixed
size and resolution, and saved without the software-version metadata.
"""

from __future__ import annotations

import contextlib
from typing import Mapping, Sequence

import numpy as np

DPI = 100
COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


@contextlib.contextmanager
def _style():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    with matplotlib.style.context("default"):
        yield plt


def save(fig, path: str) -> None:
    """Saves `fig` as a PNG without version metadata and closes it."""
    import matplotlib.pyplot as plt
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)


def grouped_bars(panels: Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]], path: str,
                 title: str) -> None:
    """One panel per metric: groups of bars (mean over seeds) with each seed as a dot.

    Args:
        panels: `{metric: {group: {bar label: values per seed}}}`.
        path: the PNG.
        title: the figure title.
    """
    with _style() as plt:
        fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4))
        axes = np.atleast_1d(axes)
        for axis, (metric, groups) in zip(axes, panels.items()):
            labels = list(dict.fromkeys(bar for bars in groups.values() for bar in bars))
            width = 0.8 / max(len(labels), 1)
            for g, bars in enumerate(groups.values()):
                for b, bar in enumerate(labels):
                    values = bars.get(bar, [])
                    if not values:
                        continue
                    x = g + (b - (len(labels) - 1) / 2) * width
                    axis.bar(x, np.mean(values), width * 0.9, color=COLORS[b % len(COLORS)],
                             label=bar if g == 0 else None)
                    axis.plot([x] * len(values), values, "k.", markersize=4)
            axis.set_xticks(range(len(groups)))
            axis.set_xticklabels(list(groups), fontsize=7)
            axis.set_title(metric, fontsize=9)
            axis.grid(axis="y", alpha=0.3)
            values = [v for bars in groups.values() for vs in bars.values() for v in vs]
            if values:
                low, high = min(values), max(values)
                margin = 0.15 * (high - low) if high > low else 0.05 * abs(high) or 0.01
                axis.set_ylim(low - 3 * margin, high + margin)
        axes[0].legend(fontsize=7, loc="lower left")
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        save(fig, path)


def curves(panels: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float],
                                                      Sequence[float]]]],
           path: str, title: str, xlabel: str) -> None:
    """One panel per metric: mean curves with a +-1 std band; log x axis ticked at the x values.

    Args:
        panels: `{metric: {label: (x, mean, std)}}`.
        path: the PNG.
        title: the figure title.
        xlabel: the x axis label.
    """
    with _style() as plt:
        fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.3))
        axes = np.atleast_1d(axes)
        for axis, (metric, lines) in zip(axes, panels.items()):
            ticks = set()
            for index, (name, (x, mean, std)) in enumerate(lines.items()):
                x, mean, std = (np.asarray(v, np.float64) for v in (x, mean, std))
                color = COLORS[index % len(COLORS)]
                axis.plot(x, mean, marker="o", markersize=3, color=color, label=name)
                axis.fill_between(x, mean - std, mean + std, color=color, alpha=0.2)
                ticks.update(x.tolist())
            axis.set_xscale("log")
            axis.set_xticks(sorted(ticks))
            axis.set_xticklabels([f"{t:g}" for t in sorted(ticks)], fontsize=7)
            axis.minorticks_off()
            axis.set_xlabel(xlabel)
            axis.set_title(metric, fontsize=9)
            axis.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        save(fig, path)


def category_bars(series: Mapping[str, Mapping[str, float]], path: str, title: str,
                  ylabel: str, reference: float | None = None) -> None:
    """Bars per category (e.g. corruption), one colour per series (e.g. model).

    Args:
        series: `{series label: {category: value}}`.
        path: the PNG.
        title: the title.
        ylabel: the y axis label.
        reference: a dashed horizontal line (e.g. 100 for the baseline).
    """
    categories = list(dict.fromkeys(c for values in series.values() for c in values))
    with _style() as plt:
        fig, axis = plt.subplots(figsize=(max(6.0, 0.6 * len(categories) + 2), 3.6))
        width = 0.8 / max(len(series), 1)
        for index, (name, values) in enumerate(series.items()):
            x = np.arange(len(categories)) + (index - (len(series) - 1) / 2) * width
            axis.bar(x, [values.get(c, np.nan) for c in categories], width * 0.95,
                     color=COLORS[index % len(COLORS)], label=name)
        if reference is not None:
            axis.axhline(reference, color="grey", linestyle="--", linewidth=1)
        axis.set_xticks(range(len(categories)))
        axis.set_xticklabels(categories, rotation=60, ha="right", fontsize=7)
        axis.set_ylabel(ylabel)
        axis.set_title(title, fontsize=10)
        axis.grid(axis="y", alpha=0.3)
        axis.legend(fontsize=7)
        fig.tight_layout()
        save(fig, path)


def delta_scatter(points: Mapping[str, Sequence[tuple[float, float]]], path: str, title: str,
                  xlabel: str, ylabel: str) -> None:
    """Scatter of paired changes (x: one metric's change, y: another's), one colour per series."""
    with _style() as plt:
        fig, axis = plt.subplots(figsize=(5.0, 3.8))
        for index, (name, values) in enumerate(points.items()):
            if not values:
                continue
            x, y = zip(*values)
            marker = "x" if name.startswith("paper") else "o"
            axis.scatter(x, y, color=COLORS[index % len(COLORS)], marker=marker, label=name)
        axis.axhline(0, color="grey", linewidth=0.8)
        axis.axvline(0, color="grey", linewidth=0.8)
        axis.set_xlabel(xlabel)
        axis.set_ylabel(ylabel)
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
        fig.tight_layout()
        save(fig, path)


def horizontal_bars(panels: Mapping[str, Mapping[str, float]], path: str, title: str) -> None:
    """One panel per quantity: a horizontal bar per configuration, zero marked."""
    with _style() as plt:
        rows = max(len(values) for values in panels.values())
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 0.32 * rows + 1.6),
                                 sharey=False)
        axes = np.atleast_1d(axes)
        for axis, (quantity, values) in zip(axes, panels.items()):
            names = list(values)
            axis.barh(range(len(names)), [values[n] for n in names],
                      color=[COLORS[0] if values[n] <= 0 else COLORS[3] for n in names])
            axis.set_yticks(range(len(names)))
            axis.set_yticklabels(names, fontsize=7)
            axis.invert_yaxis()
            axis.axvline(0, color="grey", linewidth=0.8)
            axis.set_title(quantity, fontsize=9)
            axis.grid(axis="x", alpha=0.3)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        save(fig, path)


def uncertainty(results: Mapping[str, Mapping[str, Mapping[str, float]]], path: str,
                title: str) -> None:
    """`blur_keras.plots.uncertainty_by_layer`, saved like the other figures."""
    from blur_keras import plots
    with _style():
        save(plots.uncertainty_by_layer(results, title=title), path)


def log_amplitude(curves_by_label: Mapping[str, tuple[np.ndarray, np.ndarray]], path: str,
                  title: str) -> None:
    """`blur_keras.plots.log_amplitude_curves`, saved like the other figures."""
    from blur_keras import plots
    with _style():
        save(plots.log_amplitude_curves(curves_by_label, title=title), path)


def eigenvalue_density(values: Mapping[str, np.ndarray], path: str, title: str) -> None:
    """`blur_keras.plots.max_eigenvalue_density`, saved like the other figures."""
    from blur_keras import plots
    with _style():
        save(plots.max_eigenvalue_density(values, title=title), path)
