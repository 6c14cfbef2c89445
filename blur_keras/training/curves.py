"""Learning curves: each epoch's training and validation NLL, accuracy and ECE (`curves.json`)."""

from __future__ import annotations

import json
import math
import os

import keras

#: `curves.json` key -> Keras history key. `train_*` are the compiled metrics' streaming
#: means over the epoch's training batches (augmented, dropout on, weights changing);
#: `val_*` come from one forward pass over the validation split after the epoch
#: (no augmentation; MC dropout: one sample, dropout on).
HISTORY_KEYS = {
    "lr": "learning_rate",
    "train_loss": "loss", "train_nll": "nll", "train_accuracy": "accuracy", "train_ece": "ece",
    "val_loss": "val_loss", "val_nll": "val_nll", "val_accuracy": "val_accuracy",
    "val_ece": "val_ece",
}


def learning_curves(history: dict[str, list[float]], validation: str,
                    splits: dict[str, str]) -> dict:
    """The per-epoch curves of a run's history, JSON-ready.

    Args:
        history: Keras epoch logs by key, one value per epoch (as the backups
            hold them).
        validation: the run's `TrainConfig.validation` (`"test"` or `"holdout"`).
        splits: the images of each role (`TrainConfig.splits()`).

    Returns:
        `{"validation", "splits", "epoch": [1, 2, ...], "lr": [...],
        "train_loss", "train_nll", "train_accuracy", "train_ece", "val_loss",
        "val_nll", "val_accuracy", "val_ece", "best_val_nll_epoch",
        "best_val_nll"}`; a key the history lacks is left out, and the best
        epoch (1-based, the first of equals) is None before any validation.
    """
    epochs = len(history.get("loss", []))
    curves = {"validation": validation, "splits": dict(splits),
              "epoch": list(range(1, epochs + 1))}
    for key, source in HISTORY_KEYS.items():
        if source in history:
            curves[key] = [float(value) for value in history[source]]
    curves.update(best_val_nll(curves.get("val_nll", [])))
    return curves


def best_val_nll(val_nll: list[float]) -> dict:
    """`{"best_val_nll_epoch": e, "best_val_nll": v}`: the (1-based) epoch of the lowest
    finite validation NLL, the first of equals; both None when there is none."""
    finite = [(value, epoch) for epoch, value in enumerate(val_nll, start=1)
              if math.isfinite(value)]
    if not finite:
        return {"best_val_nll_epoch": None, "best_val_nll": None}
    value, epoch = min(finite)
    return {"best_val_nll_epoch": epoch, "best_val_nll": value}


def write_curves(path: str, curves: dict) -> None:
    """Writes `curves` to `path` atomically (a temporary file renamed into place), a key a line."""
    text = ",\n".join(f" {json.dumps(key)}: {json.dumps(value)}" for key, value in curves.items())
    with open(path + ".tmp", "w") as f:
        f.write("{\n" + text + "\n}\n")
    os.replace(path + ".tmp", path)


class CurvesWriter(keras.callbacks.Callback):
    """Rewrites `curves.json` from the backups' history at the start and after every epoch.

    Place it after `AtomicBackupAndRestore` in the callbacks: it reads that
    callback's `history`, which holds the epochs of earlier sessions too, so
    the curves of a killed and resumed run equal those of the uninterrupted run.

    Args:
        path: the `curves.json` path.
        backups: the run's `AtomicBackupAndRestore`.
        validation, splits: see `learning_curves`.
        write: whether this process writes (the chief).
    """

    def __init__(self, path: str, backups, validation: str, splits: dict[str, str],
                 write: bool = True):
        super().__init__()
        self.path = path
        self.backups = backups
        self.validation = validation
        self.splits = splits
        self.write = write

    def curves(self) -> dict:
        return learning_curves(self.backups.history, self.validation, self.splits)

    def _write(self) -> None:
        if self.write:
            write_curves(self.path, self.curves())

    def on_train_begin(self, logs=None):
        self._write()

    def on_epoch_end(self, epoch, logs=None):
        self._write()
