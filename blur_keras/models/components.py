"""Building blocks shared by the model families: weight layers, BN, padding."""

from __future__ import annotations

import dataclasses

import keras

from blur_keras.layers import MCDropout
from blur_keras.layers import PaddedMaxPooling2D

#: PyTorch BatchNorm2d defaults (momentum 0.1 there is 0.9 here).
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def torch_default_initializer() -> keras.initializers.Initializer:
    """PyTorch's default weight init of conv and linear layers (the reference code's).

    `kaiming_uniform_(a=sqrt(5))`: uniform in `+-1/sqrt(fan_in)`.
    """
    return keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform")


@dataclasses.dataclass(frozen=True)
class LayerFactory:
    """Makes the weight layers (convolutions and dense layers) of a model.

    The builders take their convolutions and dense layers from a factory, so
    a variant with other weight layers (e.g. the variational layers of
    `blur_keras.bayesian`) is the same builder with another factory.
    Convolutions have no bias (BN follows them), as in the reference code;
    kernels start from PyTorch's default initialisation.
    """

    def conv(self, filters: int, kernel_size: int, strides: int = 1, padding: str = "valid",
             groups: int = 1, name: str | None = None) -> keras.layers.Layer:
        return keras.layers.Conv2D(
            filters, kernel_size, strides=strides, padding=padding, groups=groups,
            use_bias=False, name=name, kernel_initializer=torch_default_initializer())

    def dense(self, units: int, name: str | None = None, dtype=None) -> keras.layers.Layer:
        return keras.layers.Dense(units, name=name, dtype=dtype,
                                  kernel_initializer=torch_default_initializer())


def conv(x, factory: LayerFactory, filters: int, kernel_size: int, strides: int = 1,
         groups: int = 1, name: str = "conv"):
    """Convolution with PyTorch's symmetric padding of `kernel_size // 2`.

    Stride-1 convolutions use Keras' `"same"` padding (identical for odd
    kernels); strided ones pad explicitly, because Keras' `"same"` pads
    asymmetrically and would shift the sampling grid and the spatial sizes
    away from the reference.
    """
    pad = kernel_size // 2
    if strides == 1 and kernel_size % 2 == 1:
        return factory.conv(filters, kernel_size, 1, "same", groups, name)(x)
    if pad:
        x = keras.layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
    return factory.conv(filters, kernel_size, strides, "valid", groups, name)(x)


def batch_norm(x, name: str):
    return keras.layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)(x)


def relu(x, name: str):
    return keras.layers.ReLU(name=name)(x)


def max_pool(x, pool_size: int, strides: int, padding: int = 0, name: str = "pool"):
    """Max pooling with PyTorch's symmetric padding.

    A padded pool pads with `-inf` like PyTorch (`PaddedMaxPooling2D`), so it
    is exact also after a convolution without ReLU (the pre-activation
    ResNet's ImageNet stem), where zero padding would win border windows.
    """
    if padding:
        return PaddedMaxPooling2D(pool_size, strides, padding, name=name)(x)
    return keras.layers.MaxPooling2D(pool_size, strides, name=name)(x)


def add_mc_dropout(x, rate: float, seed: int | None, name: str):
    """An `MCDropout` layer when `rate > 0`; identity otherwise."""
    if not rate:
        return x
    return MCDropout(rate, seed=seed, name=name)(x)


class SeedSequence:
    """Gives each MC dropout layer of a model its own seed from one base seed."""

    def __init__(self, seed: int | None):
        self._seed = seed
        self._count = 0

    def next(self) -> int | None:
        if self._seed is None:
            return None
        self._count += 1
        return self._seed + self._count - 1
