"""Mean-field Gaussian variational layers (Keras 3, TensorFlow backend, `tfp.distributions`).

Each kernel has a fully factorised Normal posterior `q(w) = N(loc, softplus(rho)^2)`;
biases are point estimates (as in `tfp.layers`). Every forward pass samples
(training or not); `blur_keras.layers.set_monte_carlo(model, False)` makes
the layers use the posterior means. In training, `kl_weight * KL(q || p)` is
added with `add_loss`; set `kl_weight` to 1 / (number of training examples)
so that the summed loss is the per-example negative ELBO.
"""

from __future__ import annotations

import math
from typing import Callable

import keras
from keras import ops

from blur_keras.bayesian.priors import NormalPrior
from blur_keras.bayesian.tfp_import import tfp_distributions
from blur_keras.layers import MonteCarloLayer

ESTIMATORS = ("flipout", "reparameterization")


def _softplus_inverse(x: float) -> float:
    return math.log(math.expm1(x))


class _Variational(MonteCarloLayer, keras.layers.Layer):
    """Shared posterior, prior, KL and sampling machinery of the variational layers."""

    estimator = "flipout"

    def __init__(self, kl_weight: float = 1.0, prior: Callable | None = None,
                 posterior_scale_init: float = 1e-3,
                 kernel_initializer="he_normal", seed: int | None = None,
                 mc_active: bool = True, **kwargs):
        tfp_distributions()  # one clear error here when TFP or the backend is missing
        super().__init__(**kwargs)
        if isinstance(kl_weight, bool) or not isinstance(kl_weight, (int, float)) \
                or not kl_weight >= 0:
            raise ValueError(f"kl_weight must be a number >= 0; received {kl_weight!r}.")
        if isinstance(posterior_scale_init, bool) or not isinstance(
                posterior_scale_init, (int, float)) or not 0 < posterior_scale_init < 10:
            raise ValueError(
                f"posterior_scale_init must be in (0, 10); received {posterior_scale_init!r}.")
        if prior is not None and not callable(prior):
            raise ValueError(
                f"prior must be a callable (shape, dtype) -> tfp distribution, e.g. "
                f"NormalPrior(); received {prior!r}.")
        if not isinstance(mc_active, bool):
            raise ValueError(f"mc_active must be True or False; received {mc_active!r}.")
        self.kl_weight = float(kl_weight)
        self.prior = prior if prior is not None else NormalPrior()
        self.posterior_scale_init = float(posterior_scale_init)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.mc_active = mc_active

    def _add_kernel_posterior(self, shape):
        self.kernel_loc = self.add_weight(
            name="kernel_loc", shape=shape, initializer=self.kernel_initializer)
        self.kernel_rho = self.add_weight(
            name="kernel_rho", shape=shape,
            initializer=keras.initializers.Constant(_softplus_inverse(self.posterior_scale_init)))

    def kernel_scale(self):
        return ops.softplus(self.kernel_rho)

    def kernel_posterior(self):
        """The posterior `q(w)` as a `tfp.distributions.Distribution`."""
        tfd = tfp_distributions()
        return tfd.Independent(tfd.Normal(self.kernel_loc, self.kernel_scale()),
                               reinterpreted_batch_ndims=len(self.kernel_loc.shape))

    def kl_divergence(self, sample=None):
        """`KL(q || p)`: analytic when TFP knows it, else a one-sample estimate."""
        q = self.kernel_posterior()
        p = self.prior(tuple(self.kernel_loc.shape), self.kernel_loc.dtype)
        try:
            return tfp_distributions().kl_divergence(q, p)
        except NotImplementedError:
            w = q.sample(seed=self._tf_seed()) if sample is None else sample
            return q.log_prob(w) - p.log_prob(w)

    def _tf_seed(self):
        return keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator)

    def _kernel_noise(self):
        """`scale * eps`, eps ~ N(0, 1): the sampled deviation from the mean."""
        eps = keras.random.normal(self.kernel_loc.shape, dtype=self.kernel_loc.dtype,
                                  seed=self.seed_generator)
        return self.kernel_scale() * eps

    def _rademacher(self, shape, dtype):
        bits = keras.random.randint(shape, 0, 2, seed=self.seed_generator)
        return ops.cast(2 * bits - 1, dtype)

    def call(self, inputs, training=None):
        mean_output = self._apply(inputs, ops.cast(self.kernel_loc, inputs.dtype))
        if not self.mc_active:
            output = mean_output
            noise = None
        else:
            noise = self._kernel_noise()
            if self.estimator == "reparameterization":
                output = self._apply(inputs, ops.cast(self.kernel_loc + noise, inputs.dtype))
            else:
                sign_in = self._rademacher(self._sign_shape(inputs, self._in_axis_size(inputs)),
                                           inputs.dtype)
                perturbed = self._apply(inputs * sign_in, ops.cast(noise, inputs.dtype))
                sign_out = self._rademacher(self._sign_shape(inputs, self._out_size()),
                                            inputs.dtype)
                output = mean_output + perturbed * sign_out
        if training and self.kl_weight:
            sample = None if noise is None else self.kernel_loc + noise
            self.add_loss(self.kl_weight * ops.cast(self.kl_divergence(sample), "float32"))
        if self.use_bias:
            output = output + ops.cast(self.bias, output.dtype)
        return output

    def get_config(self):
        config = super().get_config()
        config.update(
            kl_weight=self.kl_weight,
            prior=keras.saving.serialize_keras_object(self.prior),
            posterior_scale_init=self.posterior_scale_init,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            seed=self.seed,
            mc_active=self.mc_active)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["prior"] = keras.saving.deserialize_keras_object(config["prior"])
        return cls(**config)


class _VariationalDense(_Variational):
    def __init__(self, units: int, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"units must be a positive integer; received {units!r}.")
        self.units = units
        self.use_bias = use_bias

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} needs a known last input dimension; "
                             f"received input shape {tuple(input_shape)}.")
        self._add_kernel_posterior((input_shape[-1], self.units))
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def _apply(self, inputs, kernel):
        return ops.matmul(inputs, kernel)

    def _in_axis_size(self, inputs):
        return inputs.shape[-1]

    def _out_size(self):
        return self.units

    def _sign_shape(self, inputs, size):
        return tuple(ops.shape(inputs)[:-1]) + (size,)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, use_bias=self.use_bias)
        return config


class _VariationalConv2D(_Variational):
    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"filters must be a positive integer; received {filters!r}.")
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same'; received {padding!r}.")
        self.filters = filters
        self.kernel_size = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
        self.strides = (strides,) * 2 if isinstance(strides, int) else tuple(strides)
        self.padding = padding
        self.use_bias = use_bias

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} expects (batch, height, width, channels) inputs with "
                f"known channels; received {tuple(input_shape)}.")
        self._add_kernel_posterior(self.kernel_size + (input_shape[-1], self.filters))
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def _apply(self, inputs, kernel):
        return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding)

    def _in_axis_size(self, inputs):
        return inputs.shape[-1]

    def _out_size(self):
        return self.filters

    def _sign_shape(self, inputs, size):
        return (ops.shape(inputs)[0], 1, 1, size)

    def compute_output_shape(self, input_shape):
        return keras.layers.Conv2D(
            self.filters, self.kernel_size, self.strides, self.padding
        ).compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=list(self.kernel_size),
                      strides=list(self.strides), padding=self.padding, use_bias=self.use_bias)
        return config


_DOC = """{title}

    Mean-field Normal posterior over the kernel (softplus scale, initial
    scale `posterior_scale_init`), point-estimate bias, prior from `prior`,
    and `kl_weight * KL(q || p)` added with `add_loss` in training (analytic
    KL when TFP has it, otherwise a one-sample estimate). {estimator}

    Args:
{args}
        kl_weight: weight of the KL term; use 1 / (number of training examples).
        prior: callable `(shape, dtype) -> tfp distribution`; default `NormalPrior()`
            (standard Normal).
        posterior_scale_init: initial posterior standard deviation, in (0, 10).
        kernel_initializer: initializer of the posterior mean.
        seed: optional integer seed of the layer's random generator.
        mc_active: sample at inference (default); `False` (what
            `set_monte_carlo(model, False)` sets, saved with the model) uses
            the posterior mean.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        {returns}

    Example:

    >>> layer = {name}({example}, kl_weight=1 / 60000)
"""
_FLIPOUT = ("Flipout (Wen et al. 2018): one weight perturbation per call, decorrelated across "
            "the examples of a batch by random sign flips, so rows of a batch get "
            "(pseudo-)independent samples.")
_REPARAM = ("Reparameterization: one weight sample per call, shared by every example of the "
            "batch.")
_DENSE_ARGS = """        units: output size.
        use_bias: add a (point-estimate) bias."""
_CONV_ARGS = """        filters: output channels.
        kernel_size: int or (height, width).
        strides: int or (height, width).
        padding: "valid" or "same".
        use_bias: add a (point-estimate) bias."""


@keras.saving.register_keras_serializable(package="blur_keras")
class DenseFlipout(_VariationalDense):
    __doc__ = _DOC.format(title="Variational dense layer with the Flipout estimator.",
                          estimator=_FLIPOUT, args=_DENSE_ARGS, name="DenseFlipout",
                          example="10", returns="`inputs @ w + b` with sampled `w`.")
    estimator = "flipout"


@keras.saving.register_keras_serializable(package="blur_keras")
class DenseReparameterization(_VariationalDense):
    __doc__ = _DOC.format(title="Variational dense layer with the reparameterization estimator.",
                          estimator=_REPARAM, args=_DENSE_ARGS, name="DenseReparameterization",
                          example="10", returns="`inputs @ w + b` with sampled `w`.")
    estimator = "reparameterization"
    batch_independent_samples = False


@keras.saving.register_keras_serializable(package="blur_keras")
class Conv2DFlipout(_VariationalConv2D):
    __doc__ = _DOC.format(title="Variational 2-D convolution with the Flipout estimator.",
                          estimator=_FLIPOUT, args=_CONV_ARGS, name="Conv2DFlipout",
                          example="64, 3, padding='same'",
                          returns="The convolution with a sampled kernel (channels_last).")
    estimator = "flipout"


@keras.saving.register_keras_serializable(package="blur_keras")
class Conv2DReparameterization(_VariationalConv2D):
    __doc__ = _DOC.format(
        title="Variational 2-D convolution with the reparameterization estimator.",
        estimator=_REPARAM, args=_CONV_ARGS, name="Conv2DReparameterization",
        example="64, 3, padding='same'",
        returns="The convolution with a sampled kernel (channels_last).")
    estimator = "reparameterization"
    batch_independent_samples = False
