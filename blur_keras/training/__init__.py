"""Training: the paper's recipe as an API (`train(TrainConfig(...))`) and its parts.

The names are imported on first use, so `python -m blur_keras.training` can
configure TensorFlow's logging before TensorFlow is imported.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "AtomicBackupAndRestore": "callbacks", "LearningRateLogger": "callbacks",
    "StopOnNonFiniteLoss": "callbacks",
    "PRECISIONS": "config", "SCHEDULES": "config", "TrainConfig": "config",
    "VALIDATIONS": "config", "CurvesWriter": "curves", "learning_curves": "curves",
    "SparseCrossentropy": "losses", "TorchSGD": "optimizers",
    "RECIPES": "recipes", "Recipe": "recipes", "scaled_learning_rate": "recipes",
    "WarmupCosine": "schedules", "WarmupMultiStep": "schedules",
    "STRATEGIES": "strategy", "configure_cpu_devices": "strategy", "make_strategy": "strategy",
    "TrainingDiverged": "trainer", "synchronize_batch_norm": "trainer", "train": "trainer",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
