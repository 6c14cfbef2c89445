"""`train`: the reference recipe on one device or many, with backups, logs and a report."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import time

import numpy as np
import keras
import tensorflow as tf

from blur_keras import data, evaluation, protocol
from blur_keras.json_output import write_json
from blur_keras.metrics import ExpectedCalibrationError, NegativeLogLikelihood
from blur_keras.training import run_directory
from blur_keras.training.callbacks import (
    AtomicBackupAndRestore, LearningRateLogger, StopOnNonFiniteLoss, log_reliability_diagram)
from blur_keras.training.config import TrainConfig
from blur_keras.training.curves import CurvesWriter, best_val_nll
from blur_keras.training.initial_model import initial_model
from blur_keras.training.losses import SparseCrossentropy
from blur_keras.training.optimizers import TorchSGD
from blur_keras.training.recipes import scaled_learning_rate
from blur_keras.training.schedules import WarmupCosine, WarmupMultiStep
from blur_keras.training.strategy import configure_cpu_devices, is_chief, make_strategy, task_id

#: Variables that never get weight decay: variational posteriors (their KL regularises them).
NO_DECAY = ("kernel_loc", "kernel_rho")


def synchronize_batch_norm(model: keras.Model) -> keras.Model:
    """A copy of `model` whose BatchNormalization layers sync statistics across replicas."""
    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, keras.layers.BatchNormalization):
            config["synchronized"] = True
        return layer.__class__.from_config(config)
    synchronized = keras.models.clone_model(model, clone_function=clone)
    synchronized.set_weights(model.get_weights())   # the clone starts from the same weights
    return synchronized


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; `result.json` records where (status `diverged`)."""


def _build(config: TrainConfig) -> keras.Model:
    """The run's network: the registry model, or `init_from` loaded (and retrofitted)."""
    if config.init_from is not None:
        return initial_model(config)
    return protocol.build_model(config.model_spec, config.dataset, kl_weight=config.kl_weight)


def build_model(config: TrainConfig, strategy: tf.distribute.Strategy, steps_per_epoch: int):
    """Model, optimizer, loss and metrics, created in the strategy's scope and compiled.

    With several replicas, BatchNormalization synchronises its batch
    statistics across them, so a step equals the single-device step on the
    same global batch.
    """
    with strategy.scope():
        model = _build(config)
        if strategy.num_replicas_in_sync > 1:
            model = synchronize_batch_norm(model)
        lr = scaled_learning_rate(config.lr, config.batch_size)
        if config.schedule == "multistep":
            schedule = WarmupMultiStep(lr, steps_per_epoch, config.milestones, config.gamma,
                                       config.warmup_epochs)
        else:
            schedule = WarmupCosine(lr, steps_per_epoch, config.epochs, config.warmup_epochs)
        optimizer = TorchSGD(schedule, momentum=config.momentum, nesterov=config.nesterov,
                             weight_decay=config.weight_decay,
                             decoupled_weight_decay=config.decoupled_weight_decay)
        optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
        model.compile(optimizer=optimizer,
                      loss=SparseCrossentropy(config.label_smoothing),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                               NegativeLogLikelihood(), ExpectedCalibrationError()])
    return model


def exported_copy(config: TrainConfig, weights: list) -> keras.Model:
    """The trained weights in a fresh single-device float32 model (plain BN), for saving and evaluation.

    Whatever precision the run trained in, the saved model computes in
    float32 (its variables were float32 all along).
    """
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        export = _build(config)
    finally:
        keras.config.set_dtype_policy(policy)
    export.set_weights(weights)
    return export


def _adapt_to_multi_worker(model: keras.Model) -> None:
    """Works around two Keras 3.15 gaps with `MultiWorkerMirroredStrategy`.

    Keras' symbolic pre-build reduces a whole (x, y) batch with
    `strategy.reduce`, and its reduction of the step logs asks for axis 0 of
    scalar values; under this strategy both raise. Without a model-level
    strategy Keras defers building to tracing (`fit` then runs inside the
    strategy's scope), and logs returned as shape-(1,) tensors reduce to their
    mean over all replicas. Gradients are all-reduced as usual.
    """
    model._distribute_strategy = None
    for step in ("train_step", "test_step"):
        original = getattr(model, step)

        def vector_logs(data, original=original):
            return {name: tf.reshape(value, [1]) for name, value in original(data).items()}

        setattr(model, step, vector_logs)


def steps_per_epoch(config: TrainConfig) -> int:
    """Optimizer steps of one epoch (full batches of the training images)."""
    return config.train_images // config.batch_size


def _sharded(ds: tf.data.Dataset) -> tf.data.Dataset:
    options = tf.data.Options()
    # Shard by example: the pipelines read in-memory or tfds files of any count.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


def training_dataset(config: TrainConfig, initial_epoch: int) -> tf.data.Dataset:
    """Epochs `initial_epoch` to the last of the training split (or subset), augmented."""
    return _sharded(data.load(
        config.dataset, config.train_split, batch_size=config.batch_size, training=True,
        data_dir=config.data_dir, seed=config.seed, subset=config.train_subset,
        download=config.download, epochs=config.total_epochs, initial_epoch=initial_epoch))


def evaluation_dataset(config: TrainConfig, split: str) -> tf.data.Dataset:
    """The first `eval_subset` images of `split` (`"validation"` or `"test"`), unaugmented."""
    return _sharded(data.load(
        config.dataset, split, batch_size=config.batch_size, training=False,
        data_dir=config.data_dir, subset=config.eval_subset, download=config.download,
        drop_remainder=False))


def versions() -> dict[str, str]:
    import blur_keras
    return {"blur_keras": blur_keras.__version__, "keras": keras.__version__,
            "tensorflow": tf.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def train(config: TrainConfig, report=None) -> dict:
    """Trains a registry model with the reference recipe; writes every output to `model_dir`.

    Nothing is written into `model_dir` before every check (configuration,
    directory, strategy, data) has passed. The run directory then belongs to
    one configuration (`run.json`): the same
    configuration resumes from the newest verified backup (a finished run is
    returned as it is), another one is refused unless `config.overwrite`.
    Data order and augmentation are a function of (seed, epoch), so a killed
    and resumed run ends where the uninterrupted one does. Training stops at
    the first non-finite loss (`TrainingDiverged`).

    With `config.init_from` the run fine-tunes: its model is that trained
    model, weights kept, retrofitted with `config.retrofit` when set
    (`blur_keras.training.initial_model`); the source is loaded and checked
    before anything is written, and `run.json` records it with the SHA-256 of
    its weights, so a resumed run refuses another source. With 0 epochs (and
    no warm-up) nothing is trained: the source is saved and evaluated as it is.

    The per-epoch validation (`val_*` in the history) reads the split
    `config.validation` names: the test split (`"test"`), or the hold-out at
    the end of the train split (`"holdout"`), in which case training reads
    only the images before it and the test split is read once, after
    training, for the final evaluation.

    Outputs (chief only): `run.json`, `backup/` (atomic, hashed per-epoch
    backups), `logs/` (TensorBoard: loss, learning rate, train/validation
    NLL, accuracy, ECE per epoch; the test reliability diagram at the end),
    `curves.json` (the per-epoch curves, rewritten after every epoch; see
    `blur_keras.training.curves`), `model.keras`, `model.weights.h5`
    (float32) and `result.json` (status, config, the images of each split,
    versions, training time, img/s, steps, every epoch's history, the epoch
    of the best validation NLL, test metrics and, with the hold-out,
    validation metrics at the evaluation ensemble sizes, computed on the
    chief with a single-device copy). Under `multi_worker` every worker also
    writes its final weights to `workers/<type>_<index>/model.weights.h5`.

    Args:
        config: the run; `None` fields take the dataset's recipe.
        report: `str -> None` for progress messages (default: print).

    Returns:
        The contents of `result.json`.

    Raises:
        ValueError: a bad configuration or run directory, before any compute.
        FileNotFoundError: the data cannot be found; like a `ValueError`, before
            anything is written into `model_dir`.
        TrainingDiverged: the loss became NaN or infinite.
    """
    report = report or (lambda message: print(message, flush=True))
    config = config.resolved()
    chief = is_chief()
    finished = run_directory.check(config)      # reads only: nothing is written before
    if finished is not None:                    # every check has passed
        report(f"{config.model_dir} holds this run, finished: nothing to train.")
        return finished
    if config.cpu_devices:
        configure_cpu_devices(config.cpu_devices)
    # The strategy comes first: multi-worker collectives must be configured before any op.
    strategy = make_strategy(config.strategy, config.tpu)
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise ValueError(f"batch_size {config.batch_size} is not divisible by the "
                         f"{replicas} replicas of the '{config.strategy}' strategy.")
    # The data exist (FileNotFoundError otherwise). The hold-out is a slice of the train split;
    # the test split is only found here, and read after training when validation is the hold-out.
    for split in ("train", "test"):
        data.source_dataset(config.dataset, split, config.data_dir, config.download)
    if config.init_from is not None:   # a source that is not the run's network, or that
        initial_model(config)          # cannot be retrofitted: refused before anything is written
    if chief:
        run_directory.claim(config)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.config.set_dtype_policy(
        "float32" if config.mixed_precision == "none" else config.mixed_precision)
    try:
        return _train(config, strategy, chief, report)
    finally:
        keras.config.set_dtype_policy("float32")


def describe(config: TrainConfig, replicas: int, strategy_name: str) -> str:
    """The resolved recipe in a few lines: what the run will do."""
    lr = scaled_learning_rate(config.lr, config.batch_size)
    schedule = (f"multistep x{config.gamma} at scheduled epochs {list(config.milestones)}"
                if config.schedule == "multistep" else "cosine to 0")
    args = f" {json.dumps(config.model_args)}" if config.model_args else ""
    splits = config.splits()
    init = [] if config.init_from is None else [
        f"init       from {config.init_from}, weights kept"
        + ("" if config.retrofit is None else f"; retrofitted {json.dumps(config.retrofit)}")]
    return "\n".join([
        f"model      {config.model}{args} on {config.dataset} "
        f"(seed {config.seed}, {config.mixed_precision if config.mixed_precision != 'none' else 'float32'})",
        f"data       training {splits['train']}, validation {splits['validation']}, "
        f"test {splits['test']}" + (" (after training)" if config.validation == "holdout" else ""),
        f"epochs     {config.warmup_epochs} warm-up + {config.epochs} scheduled, "
        f"batch {config.batch_size} over {replicas} replica(s) ({strategy_name})"
        + ("; nothing trained: init_from evaluated as it is" if not config.total_epochs else ""),
        f"optimizer  SGD lr {lr:g} (= {config.lr:g} x {config.batch_size}/128), momentum "
        f"{config.momentum:g}{' nesterov' if config.nesterov else ''}, "
        f"{'decoupled' if config.decoupled_weight_decay else 'coupled'} weight decay "
        f"{config.weight_decay:g}; {schedule}",
        *init,
        f"directory  {config.model_dir}",
    ])


def _train(config: TrainConfig, strategy, chief: bool, report) -> dict:
    model = build_model(config, strategy, steps_per_epoch(config))
    backups = AtomicBackupAndRestore(os.path.join(config.model_dir, "backup"), write=chief,
                                     report=report)
    resume = backups.resume_point()
    initial_epoch = resume.epoch if resume else 0
    train_ds = training_dataset(config, initial_epoch) if config.total_epochs else None
    validation_ds = evaluation_dataset(config, config.validation_split)
    steps = steps_per_epoch(config)
    report(describe(config, strategy.num_replicas_in_sync, type(strategy).__name__))
    log_dir = os.path.join(config.model_dir, "logs")
    guard = StopOnNonFiniteLoss()
    splits = config.splits()
    curves = CurvesWriter(os.path.join(config.model_dir, run_directory.CURVES_FILE), backups,
                          config.validation, splits, write=chief)
    callbacks = [guard, LearningRateLogger(), backups, curves]
    if chief:
        callbacks.append(keras.callbacks.TensorBoard(log_dir, write_graph=False))
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        _adapt_to_multi_worker(model)
    start = time.perf_counter()
    epochs_run = 0
    if config.total_epochs:         # 0 epochs (init_from only): the source evaluated as it is
        with strategy.scope():
            history = model.fit(train_ds, epochs=config.total_epochs,
                                initial_epoch=initial_epoch, steps_per_epoch=steps,
                                validation_data=validation_ds, callbacks=callbacks,
                                verbose=config.verbose,
                                shuffle=False)   # the pipeline orders each epoch itself
        epochs_run = len(history.epoch)
    seconds = time.perf_counter() - start
    examples = epochs_run * steps * config.batch_size
    result = {
        "status": "finished",
        "config": {k: (list(v) if isinstance(v, tuple) else v)
                   for k, v in dataclasses.asdict(config).items()},
        "splits": splits,
        "versions": versions(),
        "replicas": strategy.num_replicas_in_sync,
        "steps": int(model.optimizer.iterations.numpy()),
        "steps_per_epoch": steps,
        "epochs_run_this_session": epochs_run,
        "training_seconds_this_session": seconds,
        "training_seconds": sum(backups.epoch_seconds),
        "images_per_second": examples / seconds if examples and seconds > 0 else math.nan,
        "history": backups.history,
        **best_val_nll(backups.history.get("val_nll", [])),
    }
    if guard.stopped_at is not None:
        result.update(status="diverged", diverged_at=guard.stopped_at)
        if chief:
            _write_result(config, result)
        raise TrainingDiverged(
            f"the loss became {guard.stopped_at['loss']} at step {guard.stopped_at['step']} "
            f"(epoch {guard.stopped_at['epoch']}); training stopped. Lower --lr or check the "
            f"data; {os.path.join(config.model_dir, run_directory.RESULT_FILE)} records it.")
    # Every worker reads the (synchronised) variables in the same order: the
    # reads are collective operations.
    if config.strategy == "multi_worker":
        worker_dir = os.path.join(config.model_dir, "workers", task_id())
        os.makedirs(worker_dir, exist_ok=True)
        model.save_weights(os.path.join(worker_dir, "model.weights.h5"))
    weights = model.get_weights()
    if not chief:
        return result                     # the chief evaluates and writes result.json
    model = exported_copy(config, weights)
    model.save(os.path.join(config.model_dir, "model.keras"))
    model.save_weights(os.path.join(config.model_dir, "model.weights.h5"))
    # The test split is read here first when validation is the hold-out.
    test_ds = validation_ds if config.validation_split == "test" else \
        evaluation_dataset(config, "test")
    results, probs, labels = evaluation.evaluate_ensemble_sizes(
        model, test_ds, config.eval_ensemble_sizes, progress=config.verbose == 1)
    largest = max(results)
    log_reliability_diagram(log_dir, probs[largest], labels, step=config.total_epochs,
                            title=f"{config.model}, N={largest}")
    result["test"] = {str(n): v for n, v in results.items()}
    if config.validation_split != "test":
        results, _, _ = evaluation.evaluate_ensemble_sizes(
            model, validation_ds, config.eval_ensemble_sizes, progress=config.verbose == 1)
        result["validation"] = {str(n): v for n, v in results.items()}
    _write_result(config, result)
    return result


def _write_result(config: TrainConfig, result: dict) -> None:
    """Writes `result.json` atomically."""
    path = os.path.join(config.model_dir, run_directory.RESULT_FILE)
    write_json(path + ".tmp", result)
    os.replace(path + ".tmp", path)
