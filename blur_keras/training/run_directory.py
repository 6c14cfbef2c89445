"""A run directory belongs to one configuration: recorded when the run starts, checked on resume."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil

#: Fields of `TrainConfig` that do not change what is trained, so a run may
#: resume with other values (another machine, strategy, logging or evaluation).
NOT_IDENTITY = ("model_dir", "overwrite", "verbose", "download", "data_dir", "strategy", "tpu",
                "cpu_devices", "deterministic", "eval_subset", "eval_ensemble_sizes")
#: Identity fields added after runs were first recorded, with the value every run
#: recorded before had: a `run.json` without one of them holds that value.
ADDED_FIELDS = {"validation": "test"}
RUN_FILE = "run.json"
RESULT_FILE = "result.json"
CURVES_FILE = "curves.json"
#: What a run writes into its directory (and `overwrite` deletes).
RUN_OUTPUTS = (RUN_FILE, RESULT_FILE, CURVES_FILE, "backup", "logs", "workers", "model.keras",
               "model.weights.h5")


def identity(config) -> dict:
    """The fields of a resolved `TrainConfig` that define what the run trains, JSON-ready."""
    values = dataclasses.asdict(config)
    return {key: (list(value) if isinstance(value, tuple) else value)
            for key, value in values.items() if key not in NOT_IDENTITY}


def differences(recorded: dict, current: dict) -> list[str]:
    """What differs between a recorded `run.json` and `identity(config)`, one string per field.

    A field of `ADDED_FIELDS` missing from the record holds its value there.
    """
    recorded = {**ADDED_FIELDS, **recorded}
    keys = sorted(set(recorded) | set(current))
    return [f"{key} {recorded.get(key)!r} -> {current.get(key)!r}" for key in keys
            if recorded.get(key) != current.get(key)]


def check_writable(model_dir: str) -> None:
    """Creates `model_dir` and checks that files can be written there.

    Raises:
        ValueError: it is a file, or it cannot be created or written.
    """
    if os.path.exists(model_dir) and not os.path.isdir(model_dir):
        raise ValueError(f"--model_dir {model_dir} is a file; expected a directory.")
    probe = os.path.join(model_dir, ".write_test")
    try:
        os.makedirs(model_dir, exist_ok=True)
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as error:
        raise ValueError(f"Cannot write to --model_dir {model_dir}: {error.strerror or error}."
                         ) from None


def prepare(config, chief: bool = True) -> dict | None:
    """Claims `config.model_dir` for `config`, before any compute.

    A new or empty directory is claimed (its `run.json` records the
    configuration). A directory of the same configuration resumes; if that
    run has finished, its `result.json` is returned and nothing is trained.
    A directory of another configuration, or one holding files of no
    blur_keras run, is refused with a message naming what differs, unless
    `config.overwrite`, which deletes the old run's outputs first.

    Args:
        config: the resolved `TrainConfig`.
        chief: whether this process writes (other workers only check).

    Returns:
        The finished run's result, or None when training should go ahead.

    Raises:
        ValueError: the directory belongs to another run, or is not writable.
    """
    model_dir = config.model_dir
    if chief:
        check_writable(model_dir)
    run_path = os.path.join(model_dir, RUN_FILE)
    current = identity(config)
    if config.overwrite and chief:
        for name in RUN_OUTPUTS:
            path = os.path.join(model_dir, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
    if os.path.isfile(run_path):
        with open(run_path) as f:
            recorded = json.load(f)
        changed = differences(recorded, current)
        if changed:
            raise ValueError(
                f"--model_dir {model_dir} holds another run ({'; '.join(changed)}). "
                f"Pass --overwrite to start over there, or use another --model_dir.")
        result_path = os.path.join(model_dir, RESULT_FILE)
        if os.path.isfile(result_path):
            with open(result_path) as f:
                result = json.load(f)
            if result.get("status") == "finished":
                return result
        return None
    # Every worker checks (read-only), so that all refuse together: a worker left waiting for a
    # refused chief would wait for ever in its first collective.
    leftovers = sorted(name for name in os.listdir(model_dir) if not name.startswith(".")) \
        if os.path.isdir(model_dir) else []
    if leftovers and not config.overwrite:
        raise ValueError(
            f"--model_dir {model_dir} is not empty and holds no blur_keras run record "
            f"({RUN_FILE}): {', '.join(leftovers[:5])}{' ...' if len(leftovers) > 5 else ''}. "
            f"Use an empty or new directory, or pass --overwrite to delete a previous run's "
            f"outputs there.")
    if not chief:
        return None
    with open(run_path + ".tmp", "w") as f:
        json.dump(current, f, indent=2)
    os.replace(run_path + ".tmp", run_path)
    return None
