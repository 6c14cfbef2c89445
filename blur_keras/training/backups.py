"""Per-epoch backups of a training run: written atomically with their hash, verified before use."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile

from blur_keras.integrity import sha256

WEIGHTS_FILE = "backup.weights.h5"
METADATA_FILE = "metadata.json"


@dataclasses.dataclass(frozen=True)
class Backup:
    """One verified backup: where it is and what it holds.

    Attributes:
        directory: the `epoch_<n>` directory.
        epoch: epochs completed when it was written.
        step: optimizer steps completed.
        history: every epoch's logs up to `epoch` (also those of earlier sessions).
        random_states: the states of the model's random generators (MC
            dropout masks), which Keras' weight files do not hold.
        epoch_seconds: wall time of each epoch so far (earlier sessions too).
    """

    directory: str
    epoch: int
    step: int
    history: dict
    random_states: list
    epoch_seconds: list

    @property
    def weights_path(self) -> str:
        return os.path.join(self.directory, WEIGHTS_FILE)


def write_backup(backup_dir: str, epoch: int, step: int, history: dict, save_weights,
                 random_states: list | None = None, epoch_seconds: list | None = None) -> str:
    """Writes backup `epoch_<epoch>` atomically: staged under a temporary name, then renamed.

    Args:
        backup_dir: the run's backup directory.
        epoch: epochs completed.
        step: optimizer steps completed.
        history: every epoch's logs so far.
        save_weights: `path -> None`, writes the weights (and optimizer state).
        random_states: JSON-ready states of the model's random generators.
        epoch_seconds: wall time of each epoch so far.

    Returns:
        The backup's directory.
    """
    os.makedirs(backup_dir, exist_ok=True)
    name = f"epoch_{epoch}"
    staging = tempfile.mkdtemp(prefix=f".{name}.", dir=backup_dir)
    weights = os.path.join(staging, WEIGHTS_FILE)
    save_weights(weights)
    metadata = {"epoch": epoch, "step": step, "weights_sha256": sha256(weights),
                "weights_bytes": os.path.getsize(weights), "history": history,
                "random_states": random_states or [], "epoch_seconds": epoch_seconds or []}
    with open(os.path.join(staging, METADATA_FILE), "w") as f:
        json.dump(metadata, f)
        f.flush()
        os.fsync(f.fileno())
    final = os.path.join(backup_dir, name)
    if os.path.exists(final):
        shutil.rmtree(final)
    os.rename(staging, final)
    return final


def check_backup(directory: str) -> Backup:
    """The backup in `directory`, verified against the size and hash recorded when written.

    Raises:
        ValueError: the backup is incomplete or damaged; the message says how.
    """
    try:
        with open(os.path.join(directory, METADATA_FILE)) as f:
            metadata = json.load(f)
        expected_bytes, expected_hash = metadata["weights_bytes"], metadata["weights_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{METADATA_FILE} unreadable ({type(error).__name__}: {error})") from None
    weights = os.path.join(directory, WEIGHTS_FILE)
    if not os.path.isfile(weights):
        raise ValueError(f"{WEIGHTS_FILE} missing")
    size = os.path.getsize(weights)
    if size != expected_bytes:
        raise ValueError(f"{WEIGHTS_FILE} has {size} bytes, {expected_bytes} were written")
    if sha256(weights) != expected_hash:
        raise ValueError(f"{WEIGHTS_FILE} does not match its recorded SHA-256")
    return Backup(directory, int(metadata["epoch"]), int(metadata["step"]),
                  dict(metadata.get("history", {})), list(metadata.get("random_states", [])),
                  list(metadata.get("epoch_seconds", [])))


def backup_directories(backup_dir: str) -> list[str]:
    """The `epoch_<n>` directories of `backup_dir`, newest first."""
    if not os.path.isdir(backup_dir):
        return []
    names = [d for d in os.listdir(backup_dir)
             if d.startswith("epoch_") and d[len("epoch_"):].isdigit()]
    names.sort(key=lambda d: int(d[len("epoch_"):]), reverse=True)
    return [os.path.join(backup_dir, d) for d in names]


def newest_good_backup(backup_dir: str, report=print) -> Backup | None:
    """The newest backup that passes `check_backup`; damaged newer ones are reported and skipped.

    Args:
        backup_dir: the run's backup directory.
        report: `str -> None`, told about each damaged backup skipped.

    Returns:
        The backup, or None when there is no backup at all.

    Raises:
        ValueError: there are backups, but none is usable; the message lists them.
    """
    problems = []
    for directory in backup_directories(backup_dir):
        try:
            backup = check_backup(directory)
        except ValueError as error:
            problems.append(f"{os.path.basename(directory)}: {error}")
            report(f"Backup {os.path.basename(directory)} is damaged ({error}); "
                   f"trying an older one.")
            continue
        return backup
    if problems:
        raise ValueError(f"No usable backup in {backup_dir} ({'; '.join(problems)}). "
                         f"Pass --overwrite to start the run over.")
    return None


def prune_backups(backup_dir: str, keep: int) -> None:
    """Deletes all but the newest `keep` backups."""
    for stale in backup_directories(backup_dir)[keep:]:
        shutil.rmtree(stale, ignore_errors=True)
