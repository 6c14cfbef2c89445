"""blur_keras: spatial smoothing (Park & Kim, ICML 2022) for Keras 3.

`import blur_keras` imports nothing heavy; its submodules (and Keras) load on
first use. The Bayesian layers import TensorFlow Probability lazily, when
`blur_keras.bayesian` is first used.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("layers", "metrics", "models")
_NAMES = {"Ensemble": "predict", "predict_proba": "predict"}

__all__ = ["Ensemble", "layers", "metrics", "models", "predict_proba", "__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
