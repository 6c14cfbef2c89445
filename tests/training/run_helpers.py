"""Runs `python -m blur_keras.training` in subprocesses for the training tests."""

from __future__ import annotations

import os
import subprocess
import sys

import h5py
import numpy as np

QUICK = ["--dataset=fashion_mnist", "--batch_size=32", "--train_subset=64", "--eval_subset=64",
         "--eval_ensemble_sizes=1,2", "--verbose=2", "--warmup_epochs=0"]


def train_command(model_dir, *args) -> list[str]:
    return [sys.executable, "-m", "blur_keras.training", f"--model_dir={model_dir}", *QUICK, *args]


def environment(**extra) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **extra}
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def run_train(model_dir, *args, timeout=600, **env) -> subprocess.CompletedProcess:
    return subprocess.run(train_command(model_dir, *args), capture_output=True, text=True,
                          timeout=timeout, env=environment(**env))


def h5_arrays(path) -> dict[str, np.ndarray]:
    """Every dataset of a `.weights.h5` file by its path."""
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return arrays
