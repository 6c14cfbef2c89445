"""A card's training curves: the run's `curves.json` copied into the preset, plotted, summarised."""

from __future__ import annotations

import json
import os
import shutil

from blur_keras.integrity import file_record
from blur_keras.json_output import strict
from blur_keras.zoo.files import CURVES_FILE, CURVES_PLOT, OPTIONAL_FILES

#: The panels of a card's plot: `curves.json` key suffix and axis label.
PANELS = (("nll", "NLL (nats)"), ("accuracy", "accuracy"))
#: The plot's size (inches) and resolution: a small PNG (about 30 kB).
FIGURE_SIZE = (8.0, 3.0)
DPI = 80


def read_run_curves(run_dir: str) -> dict | None:
    """A run's `curves.json` when it recorded at least one epoch, else None (runs before it).

    Raises:
        ValueError: a `curves.json` that is not a JSON object.
    """
    path = os.path.join(run_dir, CURVES_FILE)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        curves = json.load(f)
    if not isinstance(curves, dict):
        raise ValueError(f"{path} is not a curves.json (a JSON object of per-epoch lists).")
    return curves if curves.get("epoch") else None


def curves_summary(curves: dict) -> dict:
    """What a card says about one run's curves: epochs, the best validation NLL, the last values.

    Example:

    >>> curves_summary({"epoch": [1, 2], "val_nll": [0.4, 0.3], "validation": "holdout"})
    {'epochs': 2, 'validation': 'holdout', 'best_val_nll_epoch': 2, 'best_val_nll': 0.3, 'last': {'val_nll': 0.3}}
    """
    from blur_keras.training.curves import best_val_nll
    last = {f"{prefix}_{key}": curves[f"{prefix}_{key}"][-1]
            for prefix in ("train", "val") for key, _ in PANELS
            if curves.get(f"{prefix}_{key}")}
    return {"epochs": len(curves["epoch"]), "validation": curves.get("validation", "test"),
            **best_val_nll(curves.get("val_nll", [])), "last": last}


def plot_curves(series: list[tuple[str, dict]], path: str, title: str | None = None) -> str:
    """Training (dashed) and validation (solid) NLL and accuracy per epoch, as a small PNG.

    Args:
        series: `(label, curves)` per run (one for a network, one per member of an ensemble).
        path: the PNG written (without a software tag, so equal curves give equal bytes).
        title: the figure's title.

    Returns:
        `path`.

    Raises:
        ValueError: no run with at least one epoch.
    """
    if not series or not all(curves.get("epoch") for _, curves in series):
        raise ValueError("plot_curves needs one or more curves.json with at least one epoch.")
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, len(PANELS), figsize=FIGURE_SIZE)
    try:
        for index, (label, curves) in enumerate(series):
            color = f"C{index}"
            prefix = f"{label}: " if len(series) > 1 else ""
            validation = "validation" if curves.get("validation") == "holdout" else \
                "validation (test split)"
            for axis, (key, axis_label) in zip(axes, PANELS):
                for part, style, words in (("train", "--", "training"), ("val", "-", validation)):
                    values = curves.get(f"{part}_{key}")
                    if values:
                        axis.plot(curves["epoch"][:len(values)], values, style, color=color,
                                  marker=".", label=f"{prefix}{words}")
                axis.set_xlabel("epoch")
                axis.set_ylabel(axis_label)
                axis.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        if title:
            figure.suptitle(title, fontsize=9)
        figure.tight_layout()
        figure.savefig(path, dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(figure)
    return path


def write_preset_curves(directory: str, runs: list[tuple[str, str]], title: str
                        ) -> tuple[dict | None, dict]:
    """Writes a preset's `curves.json` and `curves.png` from its training runs.

    One run: its `curves.json` copied as it is. Several (an ensemble's members):
    `{"members": [{"label", "run", "curves"}, ...]}`. Curves files of an
    earlier version of the preset are removed when the runs recorded none.

    Args:
        directory: the preset directory.
        runs: `(label, run directory)` per run, e.g. `[("seed 0", "runs/x")]`.
        title: the plot's title (the preset's name).

    Returns:
        `(the card's "curves" section, or None when no run recorded curves;
        {file name: record} of the files written)`.

    Example:

    >>> section, records = write_preset_curves("zoo/resnet_dnn_18.mine", [("seed 0", run_dir)],
    ...                                        "resnet_dnn_18.mine")
    """
    recorded = [(label, run_dir, read_run_curves(run_dir)) for label, run_dir in runs]
    recorded = [(label, run_dir, curves) for label, run_dir, curves in recorded if curves]
    for name in OPTIONAL_FILES:                    # those of an earlier version go
        if os.path.isfile(os.path.join(directory, name)):
            os.remove(os.path.join(directory, name))
    if not recorded:
        return None, {}
    json_path = os.path.join(directory, CURVES_FILE)
    if len(runs) == 1:
        shutil.copyfile(os.path.join(recorded[0][1], CURVES_FILE), json_path)
    else:
        members = [{"label": label, "run": os.path.basename(os.path.normpath(run_dir)),
                    "curves": curves} for label, run_dir, curves in recorded]
        with open(json_path, "w") as f:
            json.dump(strict({"members": members}), f, indent=1, allow_nan=False)
            f.write("\n")
    plot_path = plot_curves([(label, curves) for label, _, curves in recorded],
                            os.path.join(directory, CURVES_PLOT), title)
    section = {"file": CURVES_FILE, "plot": CURVES_PLOT,
               "runs": [{"label": label, **curves_summary(curves)}
                        for label, _, curves in recorded],
               "missing": [label for label, run_dir in runs
                           if label not in {r[0] for r in recorded}]}
    return section, {CURVES_FILE: file_record(json_path), CURVES_PLOT: file_record(plot_path)}
