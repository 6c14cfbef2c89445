"""blur_keras: spatial smoothing (Park & Kim, ICML 2022) for Keras 3.

`import blur_keras` imports nothing heavy; its submodules (and Keras) load on
first use. Yet every layer, model and other object the package registers for
serialisation is known to Keras from then on (`blur_keras.registration`), so
`keras.saving.load_model` loads any `.keras` file that uses them, and the
model registry has the `bnn` variant of `blur_keras.bayesian`. The Bayesian
layers import TensorFlow Probability lazily, when one is first created.
"""

from blur_keras.lazy import lazy_exports
from blur_keras.registration import register_plugin, register_with_keras

__version__ = "0.1.0"

_SUBMODULES = ("layers", "metrics", "models")
_EXPORTS = {"Ensemble": "predict", "predict_proba": "predict"}

__all__ = ["Ensemble", "layers", "metrics", "models", "predict_proba", "__version__"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, submodules=_SUBMODULES)

register_with_keras()
# `bayesian` sits above `models` and registers its `bnn` variant with the registry itself: as
# soon as the registry is imported, by whichever module, so `bnn` names always exist.
register_plugin("blur_keras.bayesian.variant", host="blur_keras.models.registry")
