"""The random-generator state of a model (its MC dropout seeds), to freeze and restore."""

from __future__ import annotations

import numpy as np
import keras


def random_state_variables(model: keras.Model) -> list[keras.Variable]:
    """The states of `model`'s random generators (its `keras.random.SeedGenerator`s), in order.

    They are variables but not weights: `save_weights` does not hold them.
    Restoring them replays the same random draws (e.g. the same MC dropout
    masks) on the next forward passes; training backups and the analyses
    use this.
    """
    return [variable for variable in model.variables
            if variable.path.endswith("seed_generator_state")]


def read_values(variables: list[keras.Variable]) -> list[np.ndarray]:
    """Copies of the current values of `variables`."""
    return [np.array(keras.ops.convert_to_numpy(variable)) for variable in variables]


def assign_values(variables: list[keras.Variable], values: list[np.ndarray]) -> None:
    """Sets each variable to its value in `values`."""
    for variable, value in zip(variables, values):
        variable.assign(value)
