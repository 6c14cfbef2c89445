"""Variational (Bayesian) layers built on `tfp.distributions`, as Keras 3 layers.

TensorFlow Probability is imported lazily, when a layer is first created:
`import blur_keras.bayesian` works without it, and creating a layer then
raises one clear error saying how to install it. The layers need the
TensorFlow backend.
"""

from blur_keras.bayesian.factory import VARIATIONAL_LAYERS, BayesianLayerFactory
from blur_keras.bayesian.priors import NormalPrior
from blur_keras.bayesian.tfp_import import tfp_distributions
from blur_keras.bayesian.variational import (
    ESTIMATORS, Conv2DFlipout, Conv2DReparameterization, DenseFlipout, DenseReparameterization)

__all__ = [
    "BayesianLayerFactory", "Conv2DFlipout", "Conv2DReparameterization", "DenseFlipout",
    "DenseReparameterization", "ESTIMATORS", "NormalPrior", "tfp_distributions",
    "VARIATIONAL_LAYERS",
]
