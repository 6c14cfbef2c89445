"""Forward-pass throughput of registry models on 32x32 input.

Usage:
    python -m benchmarks.forward_throughput [--models=resnet_dnn_18,resnet_mcdo_smoothing_18]
        [--batch_size=128] [--repeats=5]

Prints images/s of one compiled inference call per batch (MC dropout
active, i.e. one Monte Carlo sample) and each model's ratio to the first.
Each model is measured in its own process.
"""

from __future__ import annotations

from absl import app, flags

flags.DEFINE_list("models", ["resnet_dnn_18", "resnet_mcdo_smoothing_18"], "Registry names.")
flags.DEFINE_integer("batch_size", 128, "Images per forward pass.")
flags.DEFINE_integer("num_classes", 10, "Logits of the models.")
flags.DEFINE_integer("repeats", 5, "Timed repeats; the median is reported.")
flags.DEFINE_string("only", None, "Measure one model in this process (internal).")
FLAGS = flags.FLAGS


def measure(name: str) -> float:
    import numpy as np
    from blur_keras import models
    from benchmarks.common import time_call
    x = np.random.default_rng(0).uniform(size=(FLAGS.batch_size, 32, 32, 3)).astype("float32")
    model = models.get(name, num_classes=FLAGS.num_classes)
    return FLAGS.batch_size / time_call(lambda: model.predict_on_batch(x), repeats=FLAGS.repeats)


def main(argv) -> None:
    del argv
    if FLAGS.only:
        print(f"RATE {measure(FLAGS.only)}")
        return
    from benchmarks.common import machine_info, run_isolated
    print(machine_info())
    rates = []
    for name in FLAGS.models:
        out = run_isolated("benchmarks.forward_throughput", f"--only={name}",
                           f"--batch_size={FLAGS.batch_size}", f"--repeats={FLAGS.repeats}",
                           f"--num_classes={FLAGS.num_classes}")
        rates.append(float(next(l for l in out.splitlines() if l.startswith("RATE")).split()[1]))
        print(f"{name:<28} batch {FLAGS.batch_size}: {rates[-1]:8.1f} img/s "
              f"(ratio to {FLAGS.models[0]}: {rates[-1] / rates[0]:.3f})", flush=True)


if __name__ == "__main__":
    app.run(main)
