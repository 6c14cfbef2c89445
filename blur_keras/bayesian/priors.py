"""Serialisable prior factories for the variational layers."""

from __future__ import annotations

import keras

from blur_keras.bayesian.tfp_import import tfp_distributions


@keras.saving.register_keras_serializable(package="blur_keras")
class NormalPrior:
    """Factory of an isotropic Normal prior `N(loc, scale^2)` over a weight tensor.

    A prior factory is any callable `(shape, dtype) -> tfp.distributions.Distribution`
    whose event shape is the weight's shape. Register custom factories with
    `keras.saving.register_keras_serializable` so that models using them save.

    Args:
        loc: prior mean.
        scale: prior standard deviation, > 0.

    Example:

    >>> prior = NormalPrior(scale=0.1)
    >>> prior((3, 2), "float32").event_shape
    TensorShape([3, 2])
    """

    def __init__(self, loc: float = 0.0, scale: float = 1.0):
        if not scale > 0:
            raise ValueError(f"NormalPrior scale must be > 0; received {scale!r}.")
        self.loc = float(loc)
        self.scale = float(scale)

    def __call__(self, shape, dtype):
        import tensorflow as tf
        tfd = tfp_distributions()
        normal = tfd.Normal(loc=tf.fill(shape, tf.cast(self.loc, dtype)),
                            scale=tf.cast(self.scale, dtype))
        return tfd.Independent(normal, reinterpreted_batch_ndims=len(shape))

    def get_config(self) -> dict:
        return {"loc": self.loc, "scale": self.scale}

    @classmethod
    def from_config(cls, config: dict) -> "NormalPrior":
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, NormalPrior) and self.get_config() == other.get_config()
