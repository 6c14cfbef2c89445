"""Monte Carlo prediction: the fast path of `predict_proba` against the naive loop.

Usage:
    python -m benchmarks.mc_predict [--model=resnet_mcdo_smoothing_18] [--samples=1,2,10,50]

For one image (latency) and a batch of 128 (throughput) on 32x32 input,
prints the wall time of N samples with the naive loop (N calls of the
compiled `model.predict_on_batch`) and with the fast path (deterministic
prefix once, samples batched), and their ratio (fast / naive), all measured
in one run. Targets: one image at N = 10, ratio <= 0.5; batch 128, ratio <= 1.
"""

from __future__ import annotations

from absl import app, flags

flags.DEFINE_string("model", "resnet_mcdo_smoothing_18", "Registry name.")
flags.DEFINE_list("samples", ["1", "2", "10", "50"], "Numbers of samples N.")
flags.DEFINE_list("batch_sizes", ["1", "128"], "Batch sizes.")
flags.DEFINE_integer("repeats", 3, "Timed repeats (median) per measurement.")
FLAGS = flags.FLAGS


def main(argv) -> None:
    del argv
    import numpy as np
    from blur_keras import models
    from blur_keras.predict import predict_proba
    from benchmarks.common import machine_info, time_call

    print(machine_info())
    model = models.get(FLAGS.model, num_classes=10)
    print(f"{'batch':>6} {'N':>4} {'naive s':>10} {'fast s':>10} {'fast/naive':>11}")
    for batch in map(int, FLAGS.batch_sizes):
        x = np.random.default_rng(0).uniform(size=(batch, 32, 32, 3)).astype("float32")
        for n in map(int, FLAGS.samples):
            repeats = FLAGS.repeats if batch * n <= 1280 else 1
            naive = time_call(lambda: predict_proba(model, x, n, batch_size=batch,
                                                    method="naive"), repeats, warmup=1)
            fast = time_call(lambda: predict_proba(model, x, n, batch_size=batch),
                             repeats, warmup=1)
            print(f"{batch:>6} {n:>4} {naive:>10.4f} {fast:>10.4f} {fast / naive:>11.3f}",
                  flush=True)


if __name__ == "__main__":
    app.run(main)
