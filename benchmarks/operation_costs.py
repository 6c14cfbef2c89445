"""What the operations of MC dropout and smoothing cost on one 128x28x28x16 float32 map, against the
3x3 16->16 convolution they decorate.

Usage:
    python -m benchmarks.operation_costs [--calls=40]

Each operation runs in a `tf.function`, timed as the median of `--calls` calls after 3 warm-up
calls: the forward pass and, for the convolution, `Blur` and `Prob`, the gradient with respect to
the input. Run it on an idle machine (the numbers move with anything else running).
"""

from __future__ import annotations

import statistics
import time

from absl import app, flags

flags.DEFINE_integer("calls", 40, "Timed calls per operation (median).", lower_bound=1)
FLAGS = flags.FLAGS

SHAPE = (128, 28, 28, 16)


def _milliseconds(fn, calls: int) -> float:
    import tensorflow as tf
    fn = tf.function(fn)
    for _ in range(3):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn().numpy()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv) -> None:
    del argv
    import keras
    import numpy as np
    import tensorflow as tf
    from benchmarks.common import machine_info
    from blur_keras.layers import Blur, Prob, dropout_masks

    x = tf.constant(np.random.default_rng(0).normal(size=SHAPE).astype("float32"))
    seed = keras.random.SeedGenerator(0)
    layers = {"3x3 16->16 convolution": keras.layers.Conv2D(16, 3, padding="same"),
              "Blur (2x2 box)": Blur(), "Prob (tanh, t = 10)": Prob()}

    def gradient(layer):
        def fn():
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x)
            return tape.gradient(y, x)
        return fn

    print(machine_info(), f"| one {'x'.join(map(str, SHAPE))} float32 map, median of "
                          f"{FLAGS.calls} calls, ms")
    masks = {"keras.random.dropout (rate 0.3)": lambda: keras.random.dropout(x, 0.3, seed=seed),
             "16-bit-threshold masks (rate 0.3)": lambda: dropout_masks.dropout(x, 0.3, seed)}
    for label, fn in masks.items():
        print(f"{label:40s} forward {_milliseconds(fn, FLAGS.calls):6.2f}")
    for label, layer in layers.items():
        layer.build(SHAPE)
        print(f"{label:40s} forward {_milliseconds(lambda: layer(x), FLAGS.calls):6.2f}   "
              f"input gradient {_milliseconds(gradient(layer), FLAGS.calls):6.2f}")


if __name__ == "__main__":
    app.run(main)
