"""Training callbacks: atomic backup/restore, learning-rate and reliability-diagram logging."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile

import numpy as np
import keras


class AtomicBackupAndRestore(keras.callbacks.Callback):
    """Backs up weights and optimizer state every epoch, atomically; resumes a killed run.

    Each backup is a directory `epoch_<n>/` (weights + metadata) written under
    a temporary name and renamed into place, then `latest` (holding its name)
    is replaced with `os.replace`: a run killed at any moment leaves either the
    old or the new backup, never a torn one. At `on_train_begin` the latest
    backup is loaded and training continues at the epoch after it, so the
    finished run has taken exactly `epochs * steps_per_epoch` optimizer steps.
    Only the chief keeps its backups (`write=False` on other workers); every
    worker reads. Non-chief workers still save (to a scratch directory they
    delete), because reading synchronised variables is a collective operation
    that every worker must join.

    Args:
        backup_dir: directory of the backups.
        write: whether this process keeps its backups.
        keep: backups kept on disk.
    """

    def __init__(self, backup_dir: str, write: bool = True, keep: int = 2):
        super().__init__()
        self.backup_dir = backup_dir
        self.write = write
        self.keep = keep

    @property
    def _latest_path(self) -> str:
        return os.path.join(self.backup_dir, "latest")

    def latest(self) -> tuple[str, dict] | None:
        """The latest backup's directory and metadata, or None."""
        if not os.path.isfile(self._latest_path):
            return None
        with open(self._latest_path) as f:
            directory = os.path.join(self.backup_dir, f.read().strip())
        with open(os.path.join(directory, "metadata.json")) as f:
            return directory, json.load(f)

    def on_train_begin(self, logs=None):
        found = self.latest()
        if found is None:
            return
        directory, metadata = found
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(os.path.join(directory, "backup.weights.h5"))
        self.model._initial_epoch = metadata["epoch"]
        print(f"Resumed from {directory} (epoch {metadata['epoch']}, "
              f"step {metadata['step']}).", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        if not self.write:
            scratch = tempfile.mkdtemp(prefix="blur_keras_backup_")
            self.model.save_weights(os.path.join(scratch, "backup.weights.h5"))
            shutil.rmtree(scratch, ignore_errors=True)
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        name = f"epoch_{epoch + 1}"
        staging = tempfile.mkdtemp(prefix=f".{name}.", dir=self.backup_dir)
        self.model.save_weights(os.path.join(staging, "backup.weights.h5"))
        metadata = {"epoch": epoch + 1, "step": int(self.model.optimizer.iterations.numpy())}
        with open(os.path.join(staging, "metadata.json"), "w") as f:
            json.dump(metadata, f)
        final = os.path.join(self.backup_dir, name)
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(staging, final)
        pointer = self._latest_path + ".tmp"
        with open(pointer, "w") as f:
            f.write(name)
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer, self._latest_path)
        self._prune(keep_name=name)

    def _prune(self, keep_name: str) -> None:
        backups = sorted((d for d in os.listdir(self.backup_dir) if d.startswith("epoch_")),
                         key=lambda d: int(d.split("_")[1]))
        for stale in backups[:-self.keep]:
            if stale != keep_name:
                shutil.rmtree(os.path.join(self.backup_dir, stale), ignore_errors=True)


class LearningRateLogger(keras.callbacks.Callback):
    """Adds the current learning rate to the epoch logs (so TensorBoard and History show it)."""

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(
                self.model.optimizer.learning_rate))


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
