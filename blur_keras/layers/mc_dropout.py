"""`MCDropout`: dropout that stays on at inference, for Monte Carlo dropout BNNs."""

from __future__ import annotations

import contextlib
from typing import Iterator

import keras


@keras.saving.register_keras_serializable(package="blur_keras")
class MCDropout(keras.layers.Dropout):
    """Dropout that is active in training *and* at inference.

    Each forward pass of a model with `MCDropout` draws a new mask, so
    averaging the softmax of N passes gives the MC dropout predictive
    distribution. Batch normalisation is unaffected: it stays in inference
    mode at test time. To evaluate the network deterministically (plain
    dropout semantics: on in training, off at inference), use
    `set_mc_dropout(model, False)` or the `mc_dropout_disabled(model)`
    context manager.

    Args:
        rate: fraction of units dropped, in [0, 1).
        noise_shape: optional 1-D shape of the binary mask, as in
            `keras.layers.Dropout` (e.g. `(None, 1, 1, C)` for channel dropout).
        seed: optional integer seed of the layer's random generator.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        The input with units zeroed at `rate` and the rest scaled by
        `1 / (1 - rate)`.

    Example:

    >>> layer = MCDropout(0.5, seed=1)
    >>> x = np.ones((1, 8), "float32")
    >>> bool((layer(x) == 0).numpy().any())          # active at inference
    True
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"MCDropout rate must be a number in [0, 1); received {rate!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"MCDropout seed must be an integer or None; received {seed!r}.")
        super().__init__(rate=rate, noise_shape=noise_shape, seed=seed, **kwargs)
        self.mc_active = True

    def call(self, inputs, training=None):
        return super().call(inputs, training=True if self.mc_active else training)


def mc_dropout_layers(model: keras.layers.Layer) -> list[MCDropout]:
    """Every `MCDropout` layer in `model`, nested models included."""
    found = [model] if isinstance(model, MCDropout) else []
    found += [layer for layer in model._flatten_layers(include_self=False)
              if isinstance(layer, MCDropout)]
    return found


def _reset_compiled_functions(model: keras.layers.Layer) -> None:
    # Keras caches traced train/test/predict functions; they must be traced
    # again to see the new mode.
    for attribute in ("train_function", "test_function", "predict_function"):
        if getattr(model, attribute, None) is not None:
            setattr(model, attribute, None)


def set_mc_dropout(model: keras.layers.Layer, active: bool) -> int:
    """Switches every `MCDropout` layer of `model` on or off at inference.

    Args:
        model: a layer or model.
        active: `True` for Monte Carlo sampling at inference (the default of
            `MCDropout`), `False` for deterministic evaluation.

    Returns:
        The number of `MCDropout` layers switched.
    """
    layers = mc_dropout_layers(model)
    for layer in layers:
        layer.mc_active = bool(active)
    _reset_compiled_functions(model)
    return len(layers)


@contextlib.contextmanager
def mc_dropout_disabled(model: keras.layers.Layer) -> Iterator[keras.layers.Layer]:
    """Context manager: `model`'s MC dropout is off inside, restored after.

    Example:

    >>> with mc_dropout_disabled(model):
    ...     deterministic = model.predict(x)
    """
    layers = mc_dropout_layers(model)
    previous = [layer.mc_active for layer in layers]
    set_mc_dropout(model, False)
    try:
        yield model
    finally:
        for layer, state in zip(layers, previous):
            layer.mc_active = state
        _reset_compiled_functions(model)
