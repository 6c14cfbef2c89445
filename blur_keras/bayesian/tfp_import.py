"""The one place that imports TensorFlow Probability, lazily."""

from __future__ import annotations

import functools

import keras

INSTALL_HINT = ("pip install 'tensorflow-probability[tf]' (TFP 0.25 imports only with tf-keras "
                "installed), or pip install 'blur_keras[bayesian]'")


@functools.lru_cache(maxsize=None)
def tfp_distributions():
    """Returns `tfp.distributions`, importing TFP on first use.

    Raises:
        RuntimeError: the Keras backend is not TensorFlow.
        ImportError: TensorFlow Probability cannot be imported.
    """
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"blur_keras.bayesian needs the TensorFlow backend (it samples with TensorFlow "
            f"Probability); the Keras backend is {backend!r}. Set KERAS_BACKEND=tensorflow.")
    try:
        import tensorflow_probability as tfp
    except Exception as error:  # TFP raises ImportError, or ValueError without tf-keras.
        raise ImportError(
            f"blur_keras.bayesian needs TensorFlow Probability: {INSTALL_HINT}. "
            f"Importing it failed with: {type(error).__name__}: {error}") from error
    return tfp.distributions
