"""blur_keras: spatial smoothing (Park & Kim, ICML 2022) for Keras 3.

`import blur_keras` needs Keras only; the Bayesian layers import
TensorFlow Probability lazily, when `blur_keras.bayesian` is first used.
"""

__version__ = "0.1.0"

from blur_keras import layers, metrics, models  # noqa: E402
from blur_keras.predict import Ensemble, predict_proba  # noqa: E402

__all__ = ["Ensemble", "layers", "metrics", "models", "predict_proba", "__version__"]
