"""`tf.distribute` strategies by name, and logical CPU devices for testing them."""

from __future__ import annotations

import json
import os

import tensorflow as tf

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")


def configure_cpu_devices(count: int) -> None:
    """Splits the CPU into `count` logical devices (to test multi-replica code without GPUs).

    Must run before TensorFlow initialises its devices (before the first op).
    """
    if count < 1:
        raise ValueError(f"cpu_devices must be >= 1; received {count}.")
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as error:
        current = len(tf.config.list_logical_devices("CPU"))
        if current != count:
            raise RuntimeError(
                f"Cannot split the CPU into {count} devices: TensorFlow is already initialised "
                f"with {current}. Configure devices before any TensorFlow op.") from error


def make_strategy(name: str = "auto", tpu: str | None = None) -> tf.distribute.Strategy:
    """Builds a `tf.distribute.Strategy`.

    Args:
        name: `auto` (`MirroredStrategy` over all GPUs when there are several,
            else the default single-device strategy), `one_device` (first GPU,
            else CPU), `mirrored` (all local GPUs, else all logical CPUs),
            `multi_worker` (`MultiWorkerMirroredStrategy`; reads `TF_CONFIG`),
            `tpu` (`TPUStrategy` on the `tpu` address, e.g. `grpc://10.0.0.2:8470`
            or a Cloud TPU name; `""` for a local TPU VM).
        tpu: the TPU address for `name="tpu"`.

    Returns:
        The strategy.
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}: expected one of {STRATEGIES}.")
    if name in ("multi_worker", "tpu"):
        return _cluster_strategy(name, tpu)
    # Listing devices initialises TensorFlow: only after the cluster strategies above.
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 \
            else tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)


def _cluster_strategy(name: str, tpu: str | None) -> tf.distribute.Strategy:
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("strategy 'multi_worker' needs the TF_CONFIG environment variable "
                             "(cluster and task of this worker); see the README.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if tpu is None:
        raise ValueError("strategy 'tpu' needs --tpu (address or name; '' for a local TPU VM).")
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def is_chief() -> bool:
    """Whether this process writes the run's outputs (always, except non-chief workers)."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    task_type, index = task.get("type"), task.get("index", 0)
    if task_type is None:
        return True
    has_chief = "chief" in config.get("cluster", {})
    return task_type == "chief" or (not has_chief and task_type == "worker" and index == 0)


def task_id() -> str:
    """`type_index` of this worker from `TF_CONFIG` (`"local"` without it)."""
    task = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}").get("task", {})
    return f"{task['type']}_{task.get('index', 0)}" if "type" in task else "local"
