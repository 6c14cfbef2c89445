"""The `bnn` model variant (variational weights), registered with the model registry here.

`blur_keras` imports this module as soon as the registry is imported
(`blur_keras.registration.register_plugin`), so `bnn` names exist whichever
module a user imports, while the registry imports nothing of `bayesian`.
TensorFlow Probability is still imported only when a `bnn` model is built.
"""

from __future__ import annotations

from typing import Any

from blur_keras.models.registry import Family, Variant, register_variant

#: Options of `bnn` variants, passed to `BayesianLayerFactory`.
OPTIONS = ("kl_weight", "estimator", "variational", "prior", "posterior_scale_init")


def bayesian_arguments(family: Family, overrides: dict[str, Any]) -> dict[str, Any]:
    """Builder arguments of a `bnn` model: no MC dropout, variational weight layers.

    Args:
        family: the model's family (any family with `bayesian=True`).
        overrides: the model's builder arguments; the `OPTIONS` among them are
            taken out for the `BayesianLayerFactory`.

    Returns:
        `{"mc_dropout": 0.0, "layer_factory": BayesianLayerFactory(...)}`.
    """
    del family
    # Imported here: the registry, and with it this module, may be imported from inside the
    # import of `factory` (which builds on `blur_keras.models`).
    from blur_keras.bayesian.factory import BayesianLayerFactory
    options = {key: overrides.pop(key) for key in OPTIONS if key in overrides}
    return {"mc_dropout": 0.0, "layer_factory": BayesianLayerFactory(**options)}


register_variant("bnn", Variant(bayesian_arguments, applies_to=lambda family: family.bayesian,
                                options=OPTIONS))
