"""Training and inference throughput of several configurations, timed side by side (claim 5).

The models take turns within each round (same process, same batches, warm-up steps first),
so a slow spell of the machine hits them all. Timings are refused while other work keeps
the CPUs busy: they would measure nothing.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable, Sequence

import numpy as np

from study.plan import Run, Settings

SPEED_FILE = "speed.json"
LOAD_FILE = "/proc/loadavg"


class MachineBusy(RuntimeError):
    """Other processes keep the CPUs busy: no timing is taken (or kept)."""


def other_load(samples: int = 20, interval: float = 0.1) -> float | None:
    """Mean number of runnable tasks besides this process's reading thread, or None off Linux.

    Samples the instantaneous count of runnable tasks in `/proc/loadavg`
    `samples` times, `interval` seconds apart, while this process idles.
    """
    if not os.path.isfile(LOAD_FILE):
        return None
    counts = []
    for _ in range(samples):
        with open(LOAD_FILE) as f:
            running = int(f.read().split()[3].split("/")[0])
        counts.append(max(running - 1, 0))
        time.sleep(interval)
    return float(np.mean(counts))


def check_idle(max_other_load: float, when: str, sample: Callable[[], float | None] = other_load
               ) -> dict:
    """The load now; raises `MachineBusy` when other work is running.

    Args:
        max_other_load: most runnable tasks besides this one, on average (where
            `/proc/loadavg` is missing: the 1-minute load average).
        when: "before" or "after" the timings, for the message.
        sample: measures the other load (see `other_load`).

    Returns:
        `{"other_runnable", "loadavg"}` as measured.
    """
    other = sample()
    load = list(os.getloadavg())
    busy = (other if other is not None else load[0]) > max_other_load
    if busy:
        measured = (f"{other:.2f} runnable tasks besides this process on average" if other
                    is not None else f"1-minute load average {load[0]:.2f}")
        raise MachineBusy(
            f"other work is running {when} the timings ({measured}; limit {max_other_load}; "
            f"load averages {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}): throughput measured now "
            f"would measure nothing. Run `python -m study run --steps=speed "
            f"--runs_dir=...` when the machine is idle.")
    return {"other_runnable": other, "loadavg": load}


def _batches(dataset: str, settings: Settings, data_dir: str | None):
    from blur_keras.data import get_spec, load_arrays
    from blur_keras.robustness import normalize_images
    spec = get_spec(dataset)
    images, labels = load_arrays(dataset, "train", data_dir=data_dir,
                                 subset=settings.speed_train_batch)
    test, _ = load_arrays(dataset, "test", data_dir=data_dir, subset=settings.speed_eval_batch)
    normalization = (spec.mean, spec.std)
    return (normalize_images(images, normalization), labels.astype(np.int32),
            normalize_images(test, normalization))


def measure_speed(runs: Sequence[Run], dataset: str, settings: Settings,
                  data_dir: str | None = None, report=print,
                  sample: Callable[[], float | None] = other_load) -> dict:
    """Training and inference images per second of each run's configuration, side by side.

    Each model is built from its run's training configuration (fresh weights:
    throughput does not depend on them) and compiled as the trainer does
    (optimizer, loss, metrics). After `speed_warmup` untimed steps each,
    `speed_rounds` rounds time `speed_steps` training steps (`train_on_batch`
    on the first `speed_train_batch` training images) and `speed_steps`
    inference calls (`predict_on_batch` on the first `speed_eval_batch` test
    images: one forward pass, N = 1) of every model in turn. The median over
    rounds is reported. Op determinism is on when the runs train with it.

    Raises:
        MachineBusy: other work runs before or after the timings.
    """
    import keras
    import tensorflow as tf
    from blur_keras.training import TrainConfig
    from blur_keras.training.trainer import build_model, steps_per_epoch, versions
    before = check_idle(settings.speed_max_other_load, "before", sample)
    x, y, x_eval = _batches(dataset, settings, data_dir)
    configs = {run.name: TrainConfig(model_dir="speed", **run.train_options()).resolved()
               for run in runs}
    deterministic = any(config.deterministic for config in configs.values())
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    models, precisions = {}, {}
    policy = keras.config.dtype_policy()
    for name, config in configs.items():
        keras.utils.set_random_seed(settings.eval_seed)
        precisions[name] = "float32" if config.mixed_precision == "none" \
            else config.mixed_precision
        keras.config.set_dtype_policy(precisions[name])   # the run's precision, as the trainer
        try:
            model = build_model(config, tf.distribute.get_strategy(), steps_per_epoch(config))
        finally:
            keras.config.set_dtype_policy(policy)
        for _ in range(settings.speed_warmup):
            model.train_on_batch(x, y)
            model.predict_on_batch(x_eval)
        models[name] = model
    train_rounds = {name: [] for name in models}
    infer_rounds = {name: [] for name in models}
    for round_index in range(settings.speed_rounds):
        for name, model in models.items():
            start = time.perf_counter()
            for _ in range(settings.speed_steps):
                model.train_on_batch(x, y)
            train_rounds[name].append(settings.speed_steps * len(x) / (time.perf_counter() - start))
            start = time.perf_counter()
            for _ in range(settings.speed_steps):
                model.predict_on_batch(x_eval)
            infer_rounds[name].append(
                settings.speed_steps * len(x_eval) / (time.perf_counter() - start))
        report(f"speed: round {round_index + 1} of {settings.speed_rounds} timed")
    after = check_idle(settings.speed_max_other_load, "after", sample)
    threads = (tf.config.threading.get_intra_op_parallelism_threads(),
               tf.config.threading.get_inter_op_parallelism_threads())
    return {
        "config": {"runs": list(models), "train_batch": len(x), "inference_batch": len(x_eval),
                   "warmup_steps": settings.speed_warmup, "timed_steps": settings.speed_steps,
                   "rounds": settings.speed_rounds,
                   "training_step": "train_on_batch of the trainer's compiled model (SGD, "
                                    "coupled weight decay, loss and metrics), batches in memory "
                                    "(no input pipeline)",
                   "inference_step": "predict_on_batch: one forward pass (N = 1)",
                   "precision": precisions,
                   "op_determinism": deterministic,
                   "threads": {"intra_op": threads[0], "inter_op": threads[1],
                               "note": "0 = TensorFlow's default (all cores)"},
                   "max_other_load": settings.speed_max_other_load},
        "machine": {"cpus": os.cpu_count(), "processor": platform.machine(),
                    "load_before": before, "load_after": after},
        "versions": versions(),
        "result": {name: {"train_images_per_second": statistics.median(train_rounds[name]),
                          "inference_images_per_second": statistics.median(infer_rounds[name]),
                          "train_rounds": train_rounds[name],
                          "inference_rounds": infer_rounds[name]}
                   for name in models},
    }
