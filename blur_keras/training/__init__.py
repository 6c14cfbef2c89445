"""Training: the paper's recipe as an API (`train(TrainConfig(...))`) and its parts."""

from blur_keras.training.callbacks import AtomicBackupAndRestore, LearningRateLogger
from blur_keras.training.config import PRECISIONS, SCHEDULES, TrainConfig
from blur_keras.training.losses import SparseCrossentropy
from blur_keras.training.optimizers import TorchSGD
from blur_keras.training.recipes import RECIPES, Recipe, scaled_learning_rate
from blur_keras.training.schedules import WarmupCosine, WarmupMultiStep
from blur_keras.training.strategy import STRATEGIES, configure_cpu_devices, make_strategy
from blur_keras.training.trainer import synchronize_batch_norm, train

__all__ = [
    "AtomicBackupAndRestore", "configure_cpu_devices", "LearningRateLogger", "make_strategy",
    "PRECISIONS", "RECIPES", "Recipe", "scaled_learning_rate", "SCHEDULES", "SparseCrossentropy",
    "STRATEGIES", "synchronize_batch_norm", "TorchSGD", "train", "TrainConfig", "WarmupCosine",
    "WarmupMultiStep",
]
