"""`MCDropout`: dropout that stays on at inference, for Monte Carlo dropout BNNs."""

from __future__ import annotations

import keras

from blur_keras.layers.dropout_masks import dropout
from blur_keras.layers.monte_carlo import MonteCarloLayer


@keras.saving.register_keras_serializable(package="blur_keras")
class MCDropout(MonteCarloLayer, keras.layers.Dropout):
    """Dropout that is active in training *and* at inference.

    Each forward pass of a model with `MCDropout` draws a new mask, so
    averaging the softmax of N passes gives the MC dropout predictive
    distribution. Batch normalisation is unaffected: it stays in inference
    mode at test time. To evaluate the network deterministically (plain
    dropout semantics: on in training, off at inference), use
    `set_monte_carlo(model, False)` or the `monte_carlo_disabled(model)`
    context manager.

    Args:
        rate: fraction of units dropped, in [0, 1).
        noise_shape: optional 1-D shape of the binary mask, as in
            `keras.layers.Dropout` (e.g. `(None, 1, 1, C)` for channel dropout).
        seed: optional integer seed of the layer's random generator.
        mc_active: sample at inference (default); `False` is what
            `set_monte_carlo(model, False)` sets, and it is saved with the model.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        The input with units zeroed at `rate` and the rest scaled by
        `1 / (1 - rate)`. Without `noise_shape` the masks come from 16-bit
        thresholds (`blur_keras.layers.dropout_masks`: half the random bits
        of `keras.random.dropout`), so the effective rate is `rate` rounded to
        a multiple of `2**-16` (within 7.6e-6 of it).

    Example:

    >>> layer = MCDropout(0.5, seed=1)
    >>> x = np.ones((1, 8), "float32")
    >>> bool((keras.ops.convert_to_numpy(layer(x)) == 0).any())   # active at inference
    True
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None,
                 mc_active: bool = True, **kwargs):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"MCDropout rate must be a number in [0, 1); received {rate!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"MCDropout seed must be an integer or None; received {seed!r}.")
        if not isinstance(mc_active, bool):
            raise ValueError(f"MCDropout mc_active must be True or False; received {mc_active!r}.")
        super().__init__(rate=rate, noise_shape=noise_shape, seed=seed, **kwargs)
        self.mc_active = mc_active

    def call(self, inputs, training=None):
        if not (self.mc_active or training) or self.rate == 0:
            return inputs
        if self.noise_shape is not None:   # broadcast masks: Keras' own dropout
            return super().call(inputs, training=True)
        return dropout(inputs, self.rate, self.seed_generator)

    def get_config(self):
        return {**super().get_config(), "mc_active": self.mc_active}
