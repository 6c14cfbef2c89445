"""Helpers shared by the benchmark scripts: machine description and timing."""

from __future__ import annotations

import os
import platform
import statistics
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
