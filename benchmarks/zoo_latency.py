"""CPU latency of the shipped zoo presets, written to `zoo/latency.json` for the zoo's table.

Usage:
    python -m benchmarks.zoo_latency [--batch_size=256] [--repeats=5] [--nowrite]

Loads each preset with `blur_keras.zoo.load` (as a user gets it: taking raw
pixels), times one compiled float32 inference call on a batch of real-sized
random uint8 images (N = 1: one Monte Carlo sample), median of `--repeats`,
each preset in its own process, and prints ms per image. Run it on an otherwise idle machine: the zoo table
names the machine. Writes `zoo/latency.json` and regenerates `zoo/README.md`
unless `--nowrite`.
"""

from __future__ import annotations

import json
import os

from absl import app, flags

flags.DEFINE_integer("batch_size", 256, "Images per forward pass.")
flags.DEFINE_integer("repeats", 5, "Timed repeats; the median is reported.")
flags.DEFINE_bool("write", True, "Write zoo/latency.json and regenerate zoo/README.md.")
flags.DEFINE_string("only", None, "Measure one preset in this process (internal).")
FLAGS = flags.FLAGS


def measure(name: str) -> float:
    import numpy as np
    from blur_keras import zoo
    from benchmarks.common import time_call
    model = zoo.load(name, seed=0, compile=False)
    shape = tuple(zoo.card(name)["preprocessing"]["input_shape"])
    x = np.random.default_rng(0).integers(0, 256, size=(FLAGS.batch_size, *shape), dtype="uint8")
    return 1000 * time_call(lambda: model.predict_on_batch(x), repeats=FLAGS.repeats) \
        / FLAGS.batch_size


def main(argv) -> None:
    del argv
    if FLAGS.only:
        print(f"MS {measure(FLAGS.only)}")
        return
    from blur_keras import zoo
    from blur_keras.publishing.zoo_table import LATENCY_FILE, write_zoo_readme
    from benchmarks.common import machine_info, run_isolated
    machine = machine_info()
    print(machine)
    latency = {}
    for name in zoo.names():
        output = run_isolated("benchmarks.zoo_latency", f"--only={name}",
                              f"--batch_size={FLAGS.batch_size}", f"--repeats={FLAGS.repeats}")
        latency[name] = float(output.split("MS ")[-1])
        print(f"{name:<40} {latency[name]:7.3f} ms/image (batch {FLAGS.batch_size}, N = 1)")
    if FLAGS.write:
        path = os.path.join(zoo.zoo_directory(), LATENCY_FILE)
        with open(path, "w") as f:
            json.dump({"machine": machine, "batch_size": FLAGS.batch_size,
                       "ms_per_image": latency}, f, indent=2)
            f.write("\n")
        write_zoo_readme(zoo.zoo_directory())
        print(f"wrote {path}")


if __name__ == "__main__":
    app.run(main)
