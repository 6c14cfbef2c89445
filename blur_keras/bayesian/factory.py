"""`BayesianLayerFactory`: makes a registry model's weight layers variational."""

from __future__ import annotations

import dataclasses
from typing import Callable


from blur_keras.models.components import LayerFactory, torch_default_initializer

VARIATIONAL_LAYERS = ("all", "head")


@dataclasses.dataclass(frozen=True)
class BayesianLayerFactory(LayerFactory):
    """Weight layers of a BNN: variational convolutions and dense layers.

    Args:
        kl_weight: weight of every layer's KL term, 1 / (training examples).
        estimator: `"flipout"` (default; per-example decorrelated samples,
            lower-variance gradients) or `"reparameterization"`.
        variational: `"all"` (default: every convolution and dense layer is
            variational, the full mean-field BNN) or `"head"` (only the dense
            layers of the classifier: a cheaper last-layer BNN).
        prior: prior factory, default standard Normal.
        posterior_scale_init: initial posterior standard deviation.
    """

    kl_weight: float = 1.0 / 50_000
    estimator: str = "flipout"
    variational: str = "all"
    prior: Callable | None = None
    posterior_scale_init: float = 1e-3

    def __post_init__(self):
        from blur_keras.bayesian.variational import ESTIMATORS
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"Unknown estimator {self.estimator!r}: expected one of {ESTIMATORS}.")
        if self.variational not in VARIATIONAL_LAYERS:
            raise ValueError(f"Unknown variational {self.variational!r}: expected one of "
                             f"{VARIATIONAL_LAYERS}.")

    def _common(self, name, dtype=None):
        kwargs = {"kl_weight": self.kl_weight, "prior": self.prior,
                  "posterior_scale_init": self.posterior_scale_init, "name": name}
        if dtype is not None:
            kwargs["dtype"] = dtype
        return kwargs

    def conv(self, filters, kernel_size, strides=1, padding="valid", groups=1, name=None):
        if self.variational == "head":
            return super().conv(filters, kernel_size, strides, padding, groups, name)
        if groups != 1:
            raise ValueError("Variational convolutions have no groups: build grouped "
                             "(ResNeXt) BNNs with variational='head'.")
        from blur_keras.bayesian import variational
        cls = variational.Conv2DFlipout if self.estimator == "flipout" \
            else variational.Conv2DReparameterization
        return cls(filters, kernel_size, strides=strides, padding=padding, use_bias=False,
                   kernel_initializer=torch_default_initializer(), **self._common(name))

    def dense(self, units, name=None, dtype=None):
        from blur_keras.bayesian import variational
        cls = variational.DenseFlipout if self.estimator == "flipout" \
            else variational.DenseReparameterization
        return cls(units, kernel_initializer=torch_default_initializer(),
                   **self._common(name, dtype))
