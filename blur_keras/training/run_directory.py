"""A run directory belongs to one configuration: recorded when the run starts, checked on resume."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil

from blur_keras.cli_checks import writable_directory

#: Fields of `TrainConfig` that do not change what is trained, so a run may
#: resume with other values (another machine, strategy, logging or evaluation).
NOT_IDENTITY = ("model_dir", "overwrite", "verbose", "download", "data_dir", "strategy", "tpu",
                "cpu_devices", "deterministic", "eval_subset", "eval_ensemble_sizes")
#: Identity fields added after runs were first recorded, with the value every run
#: recorded before had: a `run.json` without one of them holds that value.
ADDED_FIELDS = {"validation": "test", "init_from": None, "retrofit": None}
#: The identity key of the SHA-256 of `init_from`'s weights (another file there is another init).
INIT_DIGEST = "init_sha256"
RUN_FILE = "run.json"
RESULT_FILE = "result.json"
CURVES_FILE = "curves.json"
#: What a run writes into its directory (and `overwrite` deletes).
RUN_OUTPUTS = (RUN_FILE, RESULT_FILE, CURVES_FILE, "backup", "logs", "workers", "model.keras",
               "model.weights.h5")


def identity(config) -> dict:
    """The fields of a resolved `TrainConfig` that define what the run trains, JSON-ready.

    With `init_from`, also `init_sha256`: the SHA-256 of the file holding its
    weights, so that a resumed run refuses a source that changed under the same name.
    """
    values = dataclasses.asdict(config)
    record = {key: (list(value) if isinstance(value, tuple) else value)
              for key, value in values.items() if key not in NOT_IDENTITY}
    if config.init_from is not None:
        from blur_keras.training.initialization import resolve_init, source_digest
        record[INIT_DIGEST] = source_digest(resolve_init(config.init_from))
    return record


def differences(recorded: dict, current: dict) -> list[str]:
    """What differs between a recorded `run.json` and `identity(config)`, one string per field.

    A field of `ADDED_FIELDS` missing from the record holds its value there.
    """
    recorded = {**ADDED_FIELDS, **recorded}
    keys = sorted(set(recorded) | set(current))
    return [f"{key} {recorded.get(key)!r} -> {current.get(key)!r}" for key in keys
            if recorded.get(key) != current.get(key)]


def check(config) -> dict | None:
    """Whether `config.model_dir` can hold `config`'s run; reads only, writes nothing.

    A new or empty directory can. A directory of the same configuration
    resumes; if that run has finished, its `result.json` is returned (nothing
    to train). A directory of another configuration, or one holding files of
    no blur_keras run, is refused with a message naming what differs, unless
    `config.overwrite` (then `claim` deletes the old run's outputs). Every
    worker checks, so that all refuse together: a worker left waiting for a
    refused chief would wait for ever in its first collective.

    Args:
        config: the resolved `TrainConfig`.

    Returns:
        The finished run's result, or None when training should go ahead.

    Raises:
        ValueError: the directory belongs to another run, or is not writable.
    """
    model_dir = config.model_dir
    writable_directory("model_dir", model_dir)
    if config.overwrite:
        return None
    run_path = os.path.join(model_dir, RUN_FILE)
    if os.path.isfile(run_path):
        with open(run_path) as f:
            recorded = json.load(f)
        changed = differences(recorded, identity(config))
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
    leftovers = sorted(name for name in os.listdir(model_dir) if not name.startswith(".")) \
        if os.path.isdir(model_dir) else []
    if leftovers:
        raise ValueError(
            f"--model_dir {model_dir} is not empty and holds no blur_keras run record "
            f"({RUN_FILE}): {', '.join(leftovers[:5])}{' ...' if len(leftovers) > 5 else ''}. "
            f"Use an empty or new directory, or pass --overwrite to delete a previous run's "
            f"outputs there.")
    return None


def claim(config) -> None:
    """Makes `config.model_dir` the directory of `config`'s run, once every check has passed.

    Creates the directory, deletes a previous run's outputs with
    `config.overwrite`, and records the configuration in `run.json` (kept as
    it is when it records this run already). Only the chief calls this.

    Raises:
        ValueError: the directory cannot be created or written.
    """
    model_dir = config.model_dir
    run_path = os.path.join(model_dir, RUN_FILE)
    try:
        os.makedirs(model_dir, exist_ok=True)
        if config.overwrite:
            for name in RUN_OUTPUTS:
                path = os.path.join(model_dir, name)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                elif os.path.exists(path):
                    os.remove(path)
        if not os.path.isfile(run_path):
            with open(run_path + ".tmp", "w") as f:
                json.dump(identity(config), f, indent=2)
            os.replace(run_path + ".tmp", run_path)
    except OSError as error:
        raise ValueError(f"Cannot write to --model_dir {model_dir}: {error.strerror or error}."
                         ) from None
