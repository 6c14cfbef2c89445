"""Bernoulli dropout masks from 16-bit thresholds: half the random bits of `keras.random.dropout`.

On small networks the random numbers of MC dropout cost more than the convolutions they
decorate: `keras.random.dropout` draws one float32 uniform (a 32-bit Philox word) per element.
Here one 32-bit word serves two elements: each element keeps its value when its 16-bit half is
at least the threshold `round(rate * 2**16)`, so it is kept with probability `1 - q` where
`q = round(rate * 2**16) / 2**16` is `rate` quantised to 16 bits (`|q - rate| <= 2**-17`,
7.6e-6). Kept elements are scaled by `1 / (1 - rate)`, as in Keras. Distinct elements read
distinct halves of distinct (or the same) Philox words, so masks are independent across
elements; the seed comes from the layer's `keras.random.SeedGenerator`, so a run's masks are
reproducible and its generator state is saved and restored with training backups as before.

The TensorFlow backend takes this path; JAX and PyTorch compare one float uniform per element
with the same quantised rate, so every backend drops at the same effective rate.
"""

from __future__ import annotations

import keras
from keras import ops

THRESHOLD_BITS = 16
_LEVELS = 2 ** THRESHOLD_BITS


def _threshold(rate: float) -> int:
    # At most 2**16 - 1, so that a rate just below 1 still keeps some elements.
    return min(round(rate * _LEVELS), _LEVELS - 1)


def quantized_rate(rate: float) -> float:
    """The effective drop rate: `rate` rounded to a multiple of `2**-16` (at most `1 - 2**-16`)."""
    return _threshold(rate) / _LEVELS


def dropout(inputs, rate: float, seed_generator: keras.random.SeedGenerator):
    """`inputs` with each element zeroed with probability `quantized_rate(rate)`, the rest scaled.

    Args:
        inputs: a tensor of any shape.
        rate: the nominal drop rate in [0, 1).
        seed_generator: the generator whose next seed draws the mask.

    Returns:
        A tensor of the shape and dtype of `inputs`.
    """
    threshold = _threshold(rate)
    if threshold == 0:
        return inputs
    scale = ops.cast(1.0 / (1.0 - rate), inputs.dtype)
    if keras.backend.backend() == "tensorflow":
        keep = _keep_tensorflow(inputs, threshold, seed_generator)
    else:
        uniform = keras.random.uniform(ops.shape(inputs), seed=seed_generator)
        keep = uniform >= threshold / _LEVELS
    return ops.where(keep, inputs * scale, ops.zeros((), inputs.dtype))


def _keep_tensorflow(inputs, threshold: int, seed_generator):
    """Keep-mask from `ceil(n / 2)` Philox words, split into 16-bit halves (TensorFlow)."""
    import tensorflow as tf

    seed = seed_generator.next()
    if seed.dtype != tf.int32:
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
    size = tf.size(inputs)
    words = tf.random.stateless_uniform(
        [(size + 1) // 2], seed=seed, minval=None, maxval=None, dtype=tf.uint32)
    halves = tf.reshape(tf.bitcast(words, tf.uint16), [-1])[:size]
    return tf.reshape(halves >= tf.constant(threshold, tf.uint16), tf.shape(inputs))
