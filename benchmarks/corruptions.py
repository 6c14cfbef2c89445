"""Corruption throughput: images per second of `blur_keras.corruptions.corrupt`.

Usage:
    python -m benchmarks.corruptions [--batch=256] [--size=32] [--severities=3]

For each of the 19 corruptions, the median wall time of corrupting one batch
of random `(batch, size, size, 3)` float32 images in [0, 1] (one process,
one thread of Python; NumPy/SciPy/Pillow as installed), reported as images/s.
"""

from __future__ import annotations

from absl import app, flags

flags.DEFINE_integer("batch", 256, "Images per batch.")
flags.DEFINE_integer("size", 32, "Image height and width.")
flags.DEFINE_list("severities", ["3"], "Severities to time (each reported).")
flags.DEFINE_integer("repeats", 3, "Timed repeats (median).")
FLAGS = flags.FLAGS


def main(argv) -> None:
    del argv
    import numpy as np
    from blur_keras import corruptions
    from benchmarks.common import machine_info, time_call
    print(machine_info())
    images = np.random.default_rng(0).random((FLAGS.batch, FLAGS.size, FLAGS.size, 3),
                                             dtype=np.float32)
    severities = [int(s) for s in FLAGS.severities]
    print(f"batch {FLAGS.batch} x {FLAGS.size}x{FLAGS.size}x3 float32, "
          f"{corruptions.parameter_set(FLAGS.size, FLAGS.size)} parameters; images/s")
    print(f"{'corruption':>18} " + " ".join(f"{'severity ' + str(s):>12}" for s in severities))
    for name in corruptions.names(extra=True):
        rates = []
        for severity in severities:
            seconds = time_call(lambda: corruptions.corrupt(images, name, severity, seed=0),
                                repeats=FLAGS.repeats, warmup=1)
            rates.append(FLAGS.batch / seconds)
        print(f"{name:>18} " + " ".join(f"{rate:>12.0f}" for rate in rates), flush=True)


if __name__ == "__main__":
    app.run(main)
