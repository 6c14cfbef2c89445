"""Layers that sample at inference (Monte Carlo layers), and one switch for all of them.

`MCDropout` and the variational layers of `blur_keras.bayesian` draw a new
sample on every forward pass, training or not. `set_monte_carlo(model,
False)` (or the `monte_carlo_disabled(model)` context manager) makes a model
deterministic for evaluation: MC dropout behaves as plain dropout (off at
inference) and variational layers use their posterior means. The switch is
part of each layer's config (`mc_active`), so a model saved while switched
off loads switched off.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import keras


class MonteCarloLayer:
    """Mixin of layers that sample at inference.

    Attributes:
        mc_active: sample at inference (the default); `False` for the
            layer's deterministic inference behaviour. Subclasses take it as
            a constructor argument and write it in `get_config`.
        batch_independent_samples: whether the rows of one batch get
            independent samples. Then N samples of an input can be drawn in
            one call by tiling it N times (see `blur_keras.predict_proba`).
    """

    mc_active: bool = True
    batch_independent_samples: bool = True


def monte_carlo_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """Every `MonteCarloLayer` in `model` (itself and nested layers)."""
    found = [model] if isinstance(model, MonteCarloLayer) else []
    found += [layer for layer in model._flatten_layers(include_self=False)
              if isinstance(layer, MonteCarloLayer)]
    return found


def _reset_compiled_functions(model: keras.layers.Layer) -> None:
    # Keras caches traced train/test/predict functions; they must be traced
    # again to see the new mode.
    for attribute in ("train_function", "test_function", "predict_function"):
        if getattr(model, attribute, None) is not None:
            setattr(model, attribute, None)


def set_monte_carlo(model: keras.layers.Layer, active: bool) -> int:
    """Switches Monte Carlo sampling at inference on or off for a whole model.

    Args:
        model: a layer or model.
        active: `True` to sample at inference (the default), `False` for
            deterministic evaluation.

    Returns:
        The number of Monte Carlo layers switched.

    The setting is saved with the model (each layer's `mc_active`): a model
    saved after `set_monte_carlo(model, False)` loads deterministic.

    Example:

    >>> set_monte_carlo(model, False)   # deterministic from now on, also once saved
    """
    layers = monte_carlo_layers(model)
    for layer in layers:
        layer.mc_active = bool(active)
    _reset_compiled_functions(model)
    return len(layers)


@contextlib.contextmanager
def monte_carlo_disabled(model: keras.layers.Layer) -> Iterator[keras.layers.Layer]:
    """Context manager: `model` is deterministic inside, restored after.

    Example:

    >>> with monte_carlo_disabled(model):
    ...     deterministic = model.predict(x)
    """
    layers = monte_carlo_layers(model)
    previous = [layer.mc_active for layer in layers]
    set_monte_carlo(model, False)
    try:
        yield model
    finally:
        for layer, state in zip(layers, previous):
            layer.mc_active = state
        _reset_compiled_functions(model)
