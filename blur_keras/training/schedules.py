"""Learning-rate schedules with linear warm-up, stepped per optimizer iteration."""

from __future__ import annotations

import math
from typing import Sequence

import keras
from keras import ops


def with_warmup(rate, step, peak: float, warmup_steps: float):
    """`rate`, except a linear ramp to `peak` over the first `warmup_steps` steps."""
    if warmup_steps <= 0:
        return rate
    return ops.where(step < warmup_steps, peak * (step + 1.0) / warmup_steps, rate)


@keras.saving.register_keras_serializable(package="blur_keras")
class WarmupMultiStep(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up, then the rate multiplied by `gamma` at each milestone epoch.

    Args:
        learning_rate: the rate after warm-up.
        steps_per_epoch: optimizer steps in one epoch.
        milestones: epochs at which the rate is multiplied by `gamma`.
        gamma: the factor.
        warmup_epochs: epochs of linear warm-up from `learning_rate / warmup_steps`.

    Example:

    >>> schedule = WarmupMultiStep(0.1, 391, (60, 120, 160), 0.2, warmup_epochs=1)
    """

    def __init__(self, learning_rate: float, steps_per_epoch: int,
                 milestones: Sequence[int] = (), gamma: float = 0.1, warmup_epochs: float = 0):
        self.learning_rate = float(learning_rate)
        self.steps_per_epoch = int(steps_per_epoch)
        self.milestones = tuple(int(m) for m in milestones)
        self.gamma = float(gamma)
        self.warmup_epochs = float(warmup_epochs)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        epoch = step / self.steps_per_epoch
        factor = ops.convert_to_tensor(1.0)
        for milestone in self.milestones:
            factor = ops.where(epoch >= milestone, factor * self.gamma, factor)
        rate = self.learning_rate * factor
        warmup_steps = self.warmup_epochs * self.steps_per_epoch
        return with_warmup(rate, step, self.learning_rate, warmup_steps)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "steps_per_epoch": self.steps_per_epoch,
                "milestones": list(self.milestones), "gamma": self.gamma,
                "warmup_epochs": self.warmup_epochs}


@keras.saving.register_keras_serializable(package="blur_keras")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up, then cosine decay to 0 at `epochs`.

    Args:
        learning_rate: the rate after warm-up.
        steps_per_epoch: optimizer steps in one epoch.
        epochs: length of training.
        warmup_epochs: epochs of linear warm-up.
    """

    def __init__(self, learning_rate: float, steps_per_epoch: int, epochs: int,
                 warmup_epochs: float = 0):
        self.learning_rate = float(learning_rate)
        self.steps_per_epoch = int(steps_per_epoch)
        self.epochs = int(epochs)
        self.warmup_epochs = float(warmup_epochs)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warmup_steps = self.warmup_epochs * self.steps_per_epoch
        total = max(self.epochs * self.steps_per_epoch - warmup_steps, 1.0)
        progress = ops.clip((step - warmup_steps) / total, 0.0, 1.0)
        rate = 0.5 * self.learning_rate * (1.0 + ops.cos(math.pi * progress))
        return with_warmup(rate, step, self.learning_rate, warmup_steps)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "steps_per_epoch": self.steps_per_epoch,
                "epochs": self.epochs, "warmup_epochs": self.warmup_epochs}
