"""Learning-rate schedules with linear warm-up, stepped per optimizer iteration."""

from __future__ import annotations

import math
from typing import Sequence

import keras
from keras import ops


def with_warmup(rate, step, peak: float, warmup_steps: float):
    """`rate`, except a linear ramp from 0 to `peak` over the first `warmup_steps` steps.

    The reference's `WarmupScheduler`: step `k < warmup_steps` uses
    `peak * k / warmup_steps` (0 at the first step).
    """
    if warmup_steps <= 0:
        return rate
    return ops.where(step < warmup_steps, peak * step / warmup_steps, rate)


@keras.saving.register_keras_serializable(package="blur_keras")
class WarmupMultiStep(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up epochs, then the rate multiplied by `gamma` at each milestone.

    As the reference: the warm-up epochs come *before* the scheduled epochs
    (CIFAR: 1 + 200 epochs in all), the ramp starts at 0, and the milestones
    count scheduled epochs, after the warm-up.

    Args:
        learning_rate: the rate after warm-up.
        steps_per_epoch: optimizer steps in one epoch.
        milestones: scheduled epochs (counted after the warm-up) at which the
            rate is multiplied by `gamma`.
        gamma: the factor.
        warmup_epochs: epochs of linear warm-up from 0 before the schedule.

    Example:

    >>> schedule = WarmupMultiStep(0.1, 391, (60, 120, 160), 0.2, warmup_epochs=1)
    >>> float(schedule(391 + 60 * 391))   # the first step of scheduled epoch 60
    0.02
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
        warmup_steps = self.warmup_epochs * self.steps_per_epoch
        epoch = (step - warmup_steps) / self.steps_per_epoch
        factor = ops.convert_to_tensor(1.0)
        for milestone in self.milestones:
            factor = ops.where(epoch >= milestone, factor * self.gamma, factor)
        rate = self.learning_rate * factor
        return with_warmup(rate, step, self.learning_rate, warmup_steps)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "steps_per_epoch": self.steps_per_epoch,
                "milestones": list(self.milestones), "gamma": self.gamma,
                "warmup_epochs": self.warmup_epochs}


@keras.saving.register_keras_serializable(package="blur_keras")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up epochs, then cosine decay to 0 over `epochs` scheduled epochs.

    Args:
        learning_rate: the rate after warm-up.
        steps_per_epoch: optimizer steps in one epoch.
        epochs: scheduled epochs after the warm-up.
        warmup_epochs: epochs of linear warm-up from 0 before the schedule.
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
        total = max(self.epochs * self.steps_per_epoch, 1.0)
        progress = ops.clip((step - warmup_steps) / total, 0.0, 1.0)
        rate = 0.5 * self.learning_rate * (1.0 + ops.cos(math.pi * progress))
        return with_warmup(rate, step, self.learning_rate, warmup_steps)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "steps_per_epoch": self.steps_per_epoch,
                "epochs": self.epochs, "warmup_epochs": self.warmup_epochs}
