"""Plots of the paper: reliability diagrams and metric-vs-ensemble-size curves, and of training
runs: learning curves."""

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


_CURVE_PANELS = (("nll", "NLL"), ("accuracy", "accuracy"), ("ece", "ECE"))


def learning_curves(curves: Mapping, title: str | None = None, path: str | None = None):
    """Training against validation NLL, accuracy and ECE per epoch, from a run's `curves.json`.

    The training values are the epoch's streaming means over its training
    batches (augmented, dropout on); the validation values one forward pass
    over the validation split after the epoch. A dotted line marks the epoch
    of the best validation NLL.

    Args:
        curves: the contents of `curves.json` (`blur_keras.training.curves`):
            `"epoch"`, `"train_nll"`, `"val_nll"`, ... and `"validation"`.
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure` (three panels: NLL, accuracy, ECE).

    Example:

    >>> plots.learning_curves(json.load(open("runs/fm/curves.json")), path="curves.png")
    """
    missing = [f"{prefix}_{key}" for key, _ in _CURVE_PANELS for prefix in ("train", "val")
               if f"{prefix}_{key}" not in curves]
    if "epoch" not in curves or not curves["epoch"] or missing:
        raise ValueError(f"learning_curves needs a curves.json with at least one epoch of "
                         f"'epoch', 'train_*' and 'val_*' values; missing: "
                         f"{missing or ['epoch']}.")
    validation = {"holdout": "validation (hold-out)", "test": "validation (test split)"}.get(
        curves.get("validation"), "validation")
    epochs = curves["epoch"]
    fig, axes = _figure(1, len(_CURVE_PANELS), (12, 3.5))
    for axis, (key, label) in zip(axes, _CURVE_PANELS):
        axis.plot(epochs, curves[f"train_{key}"], marker=".", color=_color(0),
                  label="training (dropout on, augmented)")
        axis.plot(epochs, curves[f"val_{key}"], marker=".", color=_color(1), label=validation)
        if curves.get("best_val_nll_epoch"):
            axis.axvline(curves["best_val_nll_epoch"], color="#8c8c8c", linestyle=":",
                         label="best validation NLL")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


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


def least_certain_indices(probs, count: int) -> np.ndarray:
    """Indices of the `count` examples with the highest predictive entropy, most uncertain first.

    Args:
        probs: predictive probabilities `(examples, classes)`.
        count: how many to return (at most the number of examples).

    Returns:
        int64 indices; ties keep the order of `probs`.

    Example:

    >>> least_certain_indices([[0.9, 0.1], [0.5, 0.5], [0.7, 0.3]], 2)   # [1, 2]
    """
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2 or len(probs) == 0:
        raise ValueError(f"probs must have shape (examples, classes) with examples > 0; "
                         f"received shape {probs.shape}.")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive integer; received {count!r}.")
    entropy = -np.sum(probs * np.log(np.maximum(probs, np.finfo(np.float64).tiny)), axis=1)
    return np.argsort(-entropy, kind="stable")[:count].astype(np.int64)


def least_certain_grid(images, probs, labels, count: int = 12, columns: int = 4,
                       class_names=None, title: str | None = None, path: str | None = None):
    """The images a model is least sure of, each beside a bar chart of its predictive distribution.

    The `count` examples with the highest predictive entropy
    (`least_certain_indices`) are shown most uncertain first, `columns`
    (image, bar chart) pairs per row; in each bar chart the true class is
    green and a wrong predicted class red.

    Args:
        images: `(examples, height, width, channels)`, uint8 or floats in [0, 1].
        probs: predictive probabilities `(examples, classes)`.
        labels: integer labels `(examples,)`.
        count: how many images to show.
        columns: images per row.
        class_names: a name per class for the bar labels (default: 0..classes-1).
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> least_certain_grid(x_test_uint8, predict_proba(model, x, num_samples=10), y_test,
    ...                    class_names=data.get_spec("fashion_mnist").label_names)
    """
    images, probs = np.asarray(images), np.asarray(probs)
    labels = np.asarray(labels).reshape(-1)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have shape (examples, height, width, 1 or 3); "
                         f"received {images.shape}.")
    if not len(images) == len(probs) == len(labels):
        raise ValueError(f"images, probs and labels must be equally long; received "
                         f"{len(images)}, {len(probs)} and {len(labels)}.")
    classes = probs.shape[-1]
    names = [str(c) for c in range(classes)] if class_names is None else list(class_names)
    if len(names) != classes:
        raise ValueError(f"class_names must name {classes} classes; received {len(names)}.")
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer; received {columns!r}.")
    chosen = least_certain_indices(probs, count)
    rows = -(-len(chosen) // columns)
    height = 1.8 * rows + (0.4 if title else 0)
    fig, axes = _figure(rows, 2 * columns, (3.6 * columns, height), squeeze=False,
                        gridspec_kw={"width_ratios": [1.0, 1.6] * columns})
    for axis in axes.ravel():
        axis.axis("off")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    for k, i in enumerate(chosen):
        picture, bars = axes[k // columns, 2 * (k % columns)], axes[k // columns, 2 * (k % columns) + 1]
        image = np.clip(images[i] / scale, 0, 1)
        picture.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0,
                       vmax=1, interpolation="nearest")
        predicted = int(np.argmax(probs[i]))
        picture.set_title(f"#{i}: {names[labels[i]]}", fontsize=7)
        colors = ["#8c8c8c"] * classes
        if predicted != labels[i]:
            colors[predicted] = "#c44e52"
        colors[labels[i]] = "#55a868"
        bars.axis("on")
        bars.barh(range(classes), probs[i], color=colors)
        bars.set_xlim(0, 1)
        bars.set_yticks(range(classes))
        bars.set_yticklabels(names, fontsize=5)
        bars.invert_yaxis()
        bars.tick_params(axis="x", labelsize=5)
        bars.set_title(f"predicted {names[predicted]} ({probs[i, predicted]:.2f})", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / height if title else 1))
    return _save(fig, path)


# Plots of the mechanism analyses (blur_keras.analysis).

_COLORS = ("#4c72b0", "#c44e52", "#55a868", "#8172b2", "#ccb974", "#64b5cd", "#8c8c8c",
           "#dd8452")


def _color(index: int) -> str:
    return _COLORS[index % len(_COLORS)]


def _merged_order(sequences: list[list[str]]) -> list[str]:
    """The layer names of several models in one network order (a name missing from a
    model goes right after the name before it in the model that has it)."""
    order: list[str] = []
    for names in sequences:
        position = 0
        for name in names:
            if name in order:
                position = order.index(name) + 1
            else:
                order.insert(position, name)
                position += 1
    return order


def uncertainty_by_layer(results: Mapping[str, Mapping[str, Mapping[str, float]]],
                         title: str | None = None, path: str | None = None):
    """Model and data uncertainty of the feature maps at each tapped layer (Fig. 5).

    Args:
        results: `{model label: {layer: {"model_uncertainty": float,
            "data_uncertainty": float}}}` (see
            `blur_keras.analysis.feature_map_variance`).
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`: model uncertainty on top, data uncertainty
        below; smoothing layers (`*_smooth`) are drawn as squares. Models with
        different layers share one axis: each layer sits at its place in the
        network, so a model without smoothing layers skips their positions.
    """
    if not results or not all(results.values()):
        raise ValueError("uncertainty_by_layer needs at least one model with one layer.")
    order = _merged_order([list(layers) for layers in results.values()])
    fig, axes = _figure(2, 1, (7, 5.5), sharex=True)
    for index, (label, layers) in enumerate(results.items()):
        color = _color(index)
        names = list(layers)
        x = np.array([order.index(name) for name in names])
        smooth = [i for i, name in enumerate(names) if name.endswith("_smooth")]
        for axis, key in zip(axes, ("model_uncertainty", "data_uncertainty")):
            values = np.array([layers[name][key] for name in names])
            axis.plot(x, values, marker="o", markersize=3, color=color, label=label)
            axis.plot(x[smooth], values[smooth], "s", markersize=7, color=color,
                      markerfacecolor="none")
    axes[1].set_xticks(range(len(order)))
    axes[1].set_xticklabels(order, rotation=90, fontsize=6)
    axes[0].set_ylabel("model uncertainty (std)")
    axes[1].set_ylabel("data uncertainty (std)")
    for axis in axes:
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8, title="squares: smoothing", title_fontsize=7)
    if title:
        axes[0].set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def log_amplitude_curves(curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                         title: str | None = None, path: str | None = None):
    """Log amplitude of feature maps against frequency, one curve per layer (Fig. 6).

    Args:
        curves: `{layer: (frequencies in radians, log amplitude)}` in network
            order (see `blur_keras.analysis.fourier_log_amplitude`).
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`: the log amplitude (left) and the same relative
        to frequency 0 (right); darker curves are deeper layers.
    """
    if not curves:
        raise ValueError("log_amplitude_curves needs at least one layer.")
    import matplotlib
    fig, (absolute, relative) = _figure(1, 2, (9, 3.8))
    colormap = matplotlib.colormaps["plasma_r"]
    for i, (layer, (frequencies, amplitude)) in enumerate(curves.items()):
        color = colormap((i + 1) / (len(curves) + 1))
        x = np.asarray(frequencies) / np.pi
        amplitude = np.asarray(amplitude)
        absolute.plot(x, amplitude, color=color, label=layer)
        relative.plot(x, amplitude - amplitude[0], color=color)
    absolute.set_ylabel("log amplitude")
    relative.set_ylabel(r"$\Delta$ log amplitude (vs frequency 0)")
    for axis in (absolute, relative):
        axis.set_xlabel(r"frequency ($\times\pi$)")
        axis.set_xlim(0, 1)
        axis.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    # Below both panels, where long labels (model: layer) hide no curve.
    fig.legend(*absolute.get_legend_handles_labels(), loc="upper center", fontsize=7,
               ncol=2 if len(curves) > 4 else 1, bbox_to_anchor=(0.5, 0.0), frameon=False)
    return _save(fig, path)


def max_eigenvalue_density(eigenvalues: Mapping[str, np.ndarray], title: str | None = None,
                           path: str | None = None):
    """Density (Gaussian KDE) of the largest Hessian eigenvalue over mini-batches (Fig. 8).

    Args:
        eigenvalues: `{model label: one eigenvalue per mini-batch}` (see
            `blur_keras.analysis.hessian_max_eigenvalues`).
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`: one KDE curve per model (a vertical line when
        all its values are equal), with the values as a rug.
    """
    if not eigenvalues or not all(len(v) for v in eigenvalues.values()):
        raise ValueError("max_eigenvalue_density needs at least one model with one eigenvalue.")
    from scipy.stats import gaussian_kde
    values = {label: np.asarray(v, np.float64) for label, v in eigenvalues.items()}
    everything = np.concatenate(list(values.values()))
    margin = 0.1 * max(np.ptp(everything), abs(everything).max(), 1e-12)
    grid = np.linspace(everything.min() - margin, everything.max() + margin, 400)
    fig, axis = _figure(1, 1, (5, 3.5))
    for index, (label, v) in enumerate(values.items()):
        color = _color(index)
        if np.ptp(v) > 0 and len(v) > 1:
            axis.plot(grid, gaussian_kde(v)(grid), color=color,
                      label=f"{label} (mean {v.mean():.3g})")
        else:
            axis.axvline(v[0], color=color, label=f"{label} (all {v[0]:.3g})")
        axis.plot(v, np.zeros_like(v), "|", color=color, markersize=12)
    return _finish_line_plot(fig, axis, "largest Hessian eigenvalue", "density", title, path)


def hessian_spectrum(densities: Mapping[str, tuple[np.ndarray, np.ndarray]],
                     title: str | None = None, path: str | None = None):
    """Hessian eigenvalue densities on a log scale, one curve per model.

    Args:
        densities: `{model label: (grid, density)}` (see
            `blur_keras.analysis.spectral_density`).
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    if not densities:
        raise ValueError("hessian_spectrum needs at least one model's density.")
    fig, axis = _figure(1, 1, (5, 3.5))
    for index, (label, (grid, density)) in enumerate(densities.items()):
        color = _color(index)
        axis.semilogy(grid, np.maximum(density, 1e-12), color=color, label=label)
    return _finish_line_plot(fig, axis, "eigenvalue", "density", title, path)


def loss_landscape_contour(grid, losses, title: str | None = None, path: str | None = None):
    """Contours of a loss landscape on two directions (Fig. 7).

    Args:
        grid: the coordinates along each direction.
        losses: `(len(grid), len(grid))` losses, `losses[i, j]` at `grid[i]`
            along the first direction (y axis) and `grid[j]` along the second
            (x axis), as `blur_keras.analysis.loss_landscape` returns them; or
            `{model label: such losses}` for one panel per model, side by side,
            with the same contour levels.
        title: figure title.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`.
    """
    grid = np.asarray(grid, np.float64)
    panels = dict(losses) if isinstance(losses, Mapping) else {None: losses}
    panels = {label: np.asarray(value, np.float64) for label, value in panels.items()}
    for value in panels.values():
        if grid.ndim != 1 or len(grid) < 2 or value.shape != (len(grid), len(grid)):
            raise ValueError(f"losses must have shape (len(grid), len(grid)) with at least 2 "
                             f"grid points; received grid {grid.shape} and losses {value.shape}.")
    everything = np.concatenate([value.ravel() for value in panels.values()])
    levels = np.linspace(everything.min(), everything.max(), 21)
    if levels[0] == levels[-1]:
        levels = 20
    fig, axes = _figure(1, len(panels), (4.8 * len(panels), 4), squeeze=False)
    for axis, (label, value) in zip(axes[0], panels.items()):
        filled = axis.contourf(grid, grid, value, levels=levels, cmap="viridis")
        axis.contour(grid, grid, value, levels=levels, colors="white", linewidths=0.4)
        axis.plot(0, 0, "r+", markersize=10)
        axis.set_xlabel("direction 2")
        axis.set_ylabel("direction 1")
        axis.set_aspect("equal")
        if label is not None:
            axis.set_title(label, fontsize=9)
    fig.subplots_adjust(wspace=0.35)
    fig.colorbar(filled, ax=list(axes[0]), label="NLL")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)
