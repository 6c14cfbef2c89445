"""Training throughput: this project's models and recipe against a plain Keras ResNet-18.

Usage:
    python -m benchmarks.train_throughput [--batch_size=128] [--steps=5]
        [--mixed_precision=none|mixed_bfloat16]

Measures images/s of `train_on_batch` on random 32x32x3 data (10 classes)
for `resnet_dnn_18` and `resnet_mcdo_smoothing_18` compiled as
`blur_keras.training` compiles them (TorchSGD with coupled weight decay,
cross-entropy, accuracy/NLL/ECE metrics), and for a plain hand-built Keras
ResNet-18 of the same shape (Conv2D "same" padding, Keras BN defaults,
keras.optimizers.SGD, no metrics). Each model is measured in its own process;
prints each rate and its ratio to the plain model.
"""

from __future__ import annotations

from absl import app, flags

flags.DEFINE_integer("batch_size", 128, "Global batch size.")
flags.DEFINE_integer("steps", 5, "Timed steps (after 2 warm-up steps).")
flags.DEFINE_enum("mixed_precision", "none", ["none", "mixed_bfloat16", "mixed_float16"],
                  "Dtype policy of all models.")
flags.DEFINE_string("only", None, "Measure one model in this process (internal).")
FLAGS = flags.FLAGS

MODELS = ("plain Keras ResNet-18", "resnet_dnn_18", "resnet_mcdo_smoothing_18")


def plain_resnet18(num_classes: int = 10):
    """A textbook Keras ResNet-18 (CIFAR stem), written without blur_keras."""
    import keras
    from keras import layers

    def block(x, filters, strides):
        shortcut = x
        y = layers.Conv2D(filters, 3, strides, padding="same", use_bias=False)(x)
        y = layers.ReLU()(layers.BatchNormalization()(y))
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        if strides != 1 or x.shape[-1] != filters:
            shortcut = layers.Conv2D(filters, 1, strides, use_bias=False)(x)
            shortcut = layers.BatchNormalization()(shortcut)
        return layers.ReLU()(layers.Add()([shortcut, y]))

    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(64, 3, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for stage, filters in enumerate((64, 128, 256, 512)):
        x = block(x, filters, 1 if stage == 0 else 2)
        x = block(x, filters, 1)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, dtype="float32")(x)
    model = keras.Model(inputs, outputs, name="plain_keras_resnet18")
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def measure(name: str) -> float:
    """Images/s of `train_on_batch` for one model, in this process."""
    import numpy as np
    import keras
    import tensorflow as tf
    from benchmarks.common import time_call
    from blur_keras.training import TrainConfig
    from blur_keras.training.trainer import build_model

    keras.config.set_dtype_policy(
        "float32" if FLAGS.mixed_precision == "none" else FLAGS.mixed_precision)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(FLAGS.batch_size, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 10, FLAGS.batch_size)
    if name == MODELS[0]:
        model = plain_resnet18()
    else:
        config = TrainConfig(name, "cifar10", "/tmp/unused", batch_size=FLAGS.batch_size)
        model = build_model(config.resolved(), tf.distribute.get_strategy(), steps_per_epoch=391)
    return FLAGS.batch_size / time_call(lambda: model.train_on_batch(x, y),
                                        repeats=FLAGS.steps, warmup=2)


def main(argv) -> None:
    del argv
    if FLAGS.only:
        print(f"RATE {measure(FLAGS.only)}")
        return
    from benchmarks.common import machine_info, run_isolated
    print(machine_info(), f"| policy {FLAGS.mixed_precision} | batch {FLAGS.batch_size}")
    rates = {}
    for name in MODELS:
        out = run_isolated("benchmarks.train_throughput", f"--only={name}",
                           f"--batch_size={FLAGS.batch_size}", f"--steps={FLAGS.steps}",
                           f"--mixed_precision={FLAGS.mixed_precision}")
        rates[name] = float(next(l for l in out.splitlines() if l.startswith("RATE")).split()[1])
        label = name if name == MODELS[0] else f"blur_keras {name}"
        print(f"{label:<38} {rates[name]:8.1f} img/s   ratio to plain Keras: "
              f"{rates[name] / rates[MODELS[0]]:.3f}", flush=True)


if __name__ == "__main__":
    app.run(main)
