"""The reference training recipe per dataset (Park & Kim 2022, arXiv 2105.12639;
summarised in the repository's docs/paper.md#training-recipe).

One place: the CLI defaults, the API defaults and the docs all read `RECIPES`.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Hyper-parameters of one dataset's reference training run.

    `lr` is the learning rate for a global batch of 128; it is scaled linearly
    with the actual global batch size (`lr * batch_size / 128`).
    """

    epochs: int
    batch_size: int
    lr: float
    milestones: tuple[int, ...]
    gamma: float
    warmup_epochs: int
    weight_decay: float
    momentum: float = 0.9
    nesterov: bool = False


#: Learning rates are per 128 examples; the schedule is multistep with warm-up.
RECIPES: dict[str, Recipe] = {
    # CIFAR: SGD 0.1 (batch 128), momentum 0.9, coupled wd 5e-4, 200 epochs,
    # x0.2 at 60/120/160 (the code; the paper text says 60/130/160), 1 warm-up epoch.
    "cifar10": Recipe(200, 128, 0.1, (60, 120, 160), 0.2, 1, 5e-4),
    "cifar100": Recipe(200, 128, 0.1, (60, 120, 160), 0.2, 1, 5e-4),
    # ImageNet (the code): 90 epochs, batch 256 (lr 0.1 at 256 = 0.05 per 128),
    # x0.1 at 30/60/80, wd 1e-4.
    "imagenet2012": Recipe(90, 256, 0.05, (30, 60, 80), 0.1, 1, 1e-4),
    # Fashion-MNIST / MNIST (no reference): the CIFAR recipe compressed to 30
    # epochs, milestones at the same fractions (0.3, 0.6, 0.8) of training.
    "fashion_mnist": Recipe(30, 128, 0.1, (9, 18, 24), 0.2, 1, 5e-4),
    "mnist": Recipe(30, 128, 0.1, (9, 18, 24), 0.2, 1, 5e-4),
}

#: The global batch size the recipes' learning rates refer to.
REFERENCE_BATCH_SIZE = 128


def scaled_learning_rate(lr: float, batch_size: int) -> float:
    """Linear scaling rule: `lr * batch_size / 128`."""
    return lr * batch_size / REFERENCE_BATCH_SIZE
