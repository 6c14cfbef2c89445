"""Helpers shared by the benchmark scripts: machine description and timing."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Callable


def machine_info() -> str:
    """One line naming the CPU, core count and library versions."""
    import keras
    import numpy as np
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = f"keras {keras.__version__} ({keras.backend.backend()}), numpy {np.__version__}"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        versions += f", tensorflow {tf.__version__}"
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}"


def time_call(fn: Callable[[], object], repeats: int = 5, warmup: int = 2) -> float:
    """Median wall time of `fn()` in seconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_isolated(module: str, *args: str) -> str:
    """Runs `python -m module args` in a fresh process and returns its stdout.

    Measurements of several models in one process depend on their order (the
    first model measured here ran up to 30% faster than later ones after
    `clear_session`), so each model is measured in its own process.
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                            text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout
