"""What MC dropout and spatial smoothing cost at the zoo's scale, side by side.

Usage:
    python -m benchmarks.smoothing_cost [--widths=16,64] [--policies=float32,mixed_bfloat16]
        [--steps=20] [--wide_steps=4] [--rounds=1]

For the zoo's ResNet-18 on 28x28x1 Fashion-MNIST input (batch 128, 10 classes, random data),
each variant at each width and dtype policy, measured in its own process: images/s of a
training step (`train_on_batch`, SGD, cross-entropy), of one inference pass
(`predict_on_batch`, MC dropout on) and of `predict_proba` with N = 10 (per image, all 10
samples; of 128 images at width 16, of 16 above it), as medians over `--steps` timed calls after 3 warm-up calls (`--wide_steps` at width
64; with `--rounds=R`, the median of R fresh processes), and each rate's ratio to the deterministic network of the same width and policy.
Variants: `resnet_dnn_18`, `resnet_dnn_smoothing_18` (reference "full" padding), the same with
size-preserving "same" padding, `resnet_mcdo_18`, `resnet_mcdo_smoothing_18`. Targets at width
16, float32: MC dropout >= 0.8x in training and one-pass inference; "full" smoothing >= 0.9x,
"same" smoothing >= 0.97x, in both.
"""

from __future__ import annotations

import json
import statistics

from absl import app, flags

flags.DEFINE_list("widths", ["16", "64"], "Network widths.")
flags.DEFINE_list("policies", ["float32", "mixed_bfloat16"], "Keras dtype policies.")
flags.DEFINE_integer("steps", 20, "Timed calls per measurement at width 16 (median).")
flags.DEFINE_integer("wide_steps", 4, "Timed calls per measurement at widths above 16.")
flags.DEFINE_integer("rounds", 1, "Fresh processes per configuration; the median rate is printed "
                     "(one process's rate varied by up to 40% on the 2-core CI machine).")
flags.DEFINE_string("only", None, "Measure one configuration in this process (internal, JSON).")
FLAGS = flags.FLAGS

BATCH = 128
#: Images of the predict_proba measurement above width 16 (10 samples of 128 images at width 64
#: take about 10 s a call on 2 cores).
WIDE_PROBA_IMAGES = 16
#: label -> (registry name, extra builder arguments)
VARIANTS = {
    "dnn": ("resnet_dnn_18", {}),
    "dnn+smoothing (full)": ("resnet_dnn_smoothing_18", {}),
    "dnn+smoothing (same)": ("resnet_dnn_smoothing_18", {"smoothing": {"padding": "same"}}),
    "mcdo": ("resnet_mcdo_18", {}),
    "mcdo+smoothing (full)": ("resnet_mcdo_smoothing_18", {}),
}


def measure(label: str, width: int, policy: str, steps: int, proba_images: int) -> dict[str, float]:
    """Images/s of a training step, one inference pass and predict_proba(N=10), in this process."""
    import numpy as np
    import keras
    from benchmarks.common import time_call
    from blur_keras import protocol
    from blur_keras.predict import predict_proba

    keras.config.set_dtype_policy(policy)
    name, extra = VARIANTS[label]
    model = protocol.build_model(name, "fashion_mnist", {"width": width, **extra})
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, BATCH)
    rate = lambda fn, images=BATCH: images / time_call(fn, repeats=steps, warmup=3)
    return {"train": rate(lambda: model.train_on_batch(x, y)),
            "infer": rate(lambda: model.predict_on_batch(x)),
            "predict_proba N=10": rate(lambda: predict_proba(model, x[:proba_images], 10,
                                                             batch_size=BATCH), proba_images)}


def _measure_isolated(label: str, width: int, policy: str) -> dict[str, float]:
    from benchmarks.common import run_isolated
    out = run_isolated("benchmarks.smoothing_cost", f"--only={json.dumps([label, width, policy])}",
                       f"--steps={FLAGS.steps}", f"--wide_steps={FLAGS.wide_steps}")
    return json.loads(next(line for line in out.splitlines() if line.startswith("RATES"))[6:])


def main(argv) -> None:
    del argv
    if FLAGS.only:
        label, width, policy = json.loads(FLAGS.only)
        wide = width > 16
        print("RATES", json.dumps(measure(label, width, policy,
                                          FLAGS.wide_steps if wide else FLAGS.steps,
                                          WIDE_PROBA_IMAGES if wide else BATCH)))
        return
    from benchmarks.common import machine_info
    print(machine_info(), f"| batch {BATCH}, 28x28x1, ResNet-18")
    for policy in FLAGS.policies:
        for width in map(int, FLAGS.widths):
            print(f"\nwidth {width}, {policy}: img/s (ratio to dnn)")
            print(f"{'variant':24s} {'train':>16s} {'infer (1 pass)':>16s} {'predict_proba N=10':>20s}")
            base = None
            for label in VARIANTS:
                rounds = [_measure_isolated(label, width, policy) for _ in range(FLAGS.rounds)]
                rates = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
                base = base or rates
                cells = [f"{rates[k]:8.1f} ({rates[k] / base[k]:.2f})" for k in rates]
                print(f"{label:24s} {cells[0]:>16s} {cells[1]:>16s} {cells[2]:>20s}", flush=True)


if __name__ == "__main__":
    app.run(main)
