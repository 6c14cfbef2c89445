"""Training callbacks: verified backup/restore, divergence stop, learning-rate and reliability-diagram logging."""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
import time

import numpy as np
import keras

from blur_keras.random_state import assign_values, random_state_variables, read_values
from blur_keras.training.backups import (
    WEIGHTS_FILE, Backup, newest_good_backup, prune_backups, write_backup)


class AtomicBackupAndRestore(keras.callbacks.Callback):
    """Backs up weights, optimizer state and history every epoch, atomically; resumes a killed run.

    Each backup is a directory `epoch_<n>/` (weights + metadata with their
    size and SHA-256 and every epoch's logs so far) written under a temporary
    name and renamed into place: a run killed at any moment leaves either the
    old or the new backup, never a torn one. At `on_train_begin` the newest
    backup that passes its hash check is loaded (damaged newer ones are
    reported and skipped) and training continues at the epoch after it, so
    the finished run has taken exactly `epochs * steps_per_epoch` optimizer
    steps, and `history` holds every epoch, those of earlier sessions too.
    An epoch whose loss is not finite is not backed up. Only the chief keeps
    its backups (`write=False` on other workers); every worker reads.
    Non-chief workers still save (to a scratch directory they delete),
    because reading synchronised variables is a collective operation that
    every worker must join.

    Args:
        backup_dir: directory of the backups.
        write: whether this process keeps its backups.
        keep: backups kept on disk (at least 2, so a damaged newest one has
            a fallback).
        report: `str -> None` for the resume messages (default `print`).
    """

    def __init__(self, backup_dir: str, write: bool = True, keep: int = 2, report=None):
        super().__init__()
        if keep < 1:
            raise ValueError(f"keep must be >= 1; received {keep}.")
        self.backup_dir = backup_dir
        self.write = write
        self.keep = keep
        self.report = report or (lambda message: print(message, flush=True))
        self.history: dict[str, list[float]] = {}
        self.epoch_seconds: list[float] = []
        self._epoch_start = 0.0
        self._resume: Backup | None | bool = False   # False: not looked up yet

    def resume_point(self) -> Backup | None:
        """The verified backup training will resume from, or None for a fresh start.

        Raises:
            ValueError: backups exist but none is usable.
        """
        if self._resume is False:
            self._resume = newest_good_backup(self.backup_dir, self.report)
        return self._resume

    def on_train_begin(self, logs=None):
        backup = self.resume_point()
        if backup is None:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(backup.weights_path)
        set_random_states(self.model, backup.random_states)
        self.model._initial_epoch = backup.epoch
        self.history = {key: list(values) for key, values in backup.history.items()}
        self.epoch_seconds = list(backup.epoch_seconds)
        self.report(f"Resumed from {backup.directory} (epoch {backup.epoch}, step {backup.step}).")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not math.isfinite(float(logs.get("loss", 0.0))):
            return
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self.epoch_seconds.append(time.perf_counter() - self._epoch_start)
        if not self.write:
            scratch = tempfile.mkdtemp(prefix="blur_keras_backup_")
            self.model.save_weights(os.path.join(scratch, WEIGHTS_FILE))
            shutil.rmtree(scratch, ignore_errors=True)
            return
        write_backup(self.backup_dir, epoch + 1, int(self.model.optimizer.iterations.numpy()),
                     self.history, self.model.save_weights, random_states(self.model),
                     self.epoch_seconds)
        prune_backups(self.backup_dir, self.keep)


def random_states(model: keras.Model) -> list[list[int]]:
    """The states of `model`'s random generators (e.g. MC dropout), JSON-ready."""
    return [value.tolist() for value in read_values(random_state_variables(model))]


def set_random_states(model: keras.Model, states: list) -> None:
    """Restores `random_states(model)`; a run resumes with the dropout masks it would have drawn.

    Raises:
        ValueError: the states belong to a model with other random layers.
    """
    variables = random_state_variables(model)
    if not states:
        return
    if len(states) != len(variables):
        raise ValueError(f"The backup holds {len(states)} random-generator states; the model "
                         f"has {len(variables)}.")
    assign_values(variables, [np.asarray(state, dtype=keras.backend.standardize_dtype(
        variable.dtype)) for variable, state in zip(variables, states)])


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training at the first batch whose loss is NaN or infinite, and remembers where.

    Attributes:
        stopped_at: `None`, or `{"epoch": e, "step": s, "loss": value}` (1-based
            epoch, optimizer step of the bad batch).
    """

    def __init__(self):
        super().__init__()
        self.stopped_at: dict | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss) and self.stopped_at is None:
            self.stopped_at = {"epoch": self._epoch + 1,
                               "step": int(self.model.optimizer.iterations.numpy()),
                               "loss": loss}
            self.model.stop_training = True


class LearningRateLogger(keras.callbacks.Callback):
    """Adds the learning rate of each epoch (that of its last step) to the epoch logs.

    So TensorBoard and History show the rate the epoch trained with, not the
    next epoch's.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        optimizer = self.model.optimizer
        schedule = optimizer._learning_rate
        if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
            rate = schedule(max(int(optimizer.iterations.numpy()) - 1, 0))
        else:
            rate = optimizer.learning_rate
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(rate))


def log_reliability_diagram(log_dir: str, probs: np.ndarray, labels: np.ndarray,
                            step: int, title: str) -> None:
    """Writes the reliability diagram as an image summary to TensorBoard."""
    import tensorflow as tf
    from blur_keras.plots import reliability_diagram
    figure = reliability_diagram(probs, labels, title=title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    image = tf.image.decode_png(buffer.getvalue(), channels=4)[None]
    writer = tf.summary.create_file_writer(os.path.join(log_dir, "validation"))
    with writer.as_default():
        tf.summary.image("reliability_diagram", image, step=step)
    writer.flush()
