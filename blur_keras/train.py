"""`python -m blur_keras.train`: the paper's training recipe on one CPU or many accelerators.

Examples:
    python -m blur_keras.train --model=resnet_mcdo_smoothing_18 --dataset=cifar100 \
        --model_dir=runs/c100_mcdo_smooth                      # the full reference recipe
    python -m blur_keras.train --model=resnet_dnn_smoothing_18 --dataset=fashion_mnist \
        --epochs=2 --train_subset=2000 --eval_subset=1000 --model_dir=runs/quick
"""

from __future__ import annotations

import sys

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "Registry name, e.g. resnet_mcdo_smoothing_18.")
flags.DEFINE_string("dataset", None, "cifar10, cifar100, imagenet2012, fashion_mnist or mnist.")
flags.DEFINE_string("model_dir", None, "Output directory (backups, logs, model, result.json).")
flags.DEFINE_integer("epochs", None, "Epochs (default: the dataset's recipe).")
flags.DEFINE_integer("batch_size", None, "Global batch size (default: the recipe's).")
flags.DEFINE_float("lr", None, "Learning rate per 128 examples; scaled by batch_size / 128.")
flags.DEFINE_enum("schedule", "multistep", ["multistep", "cosine"], "Learning-rate schedule.")
flags.DEFINE_integer("warmup_epochs", None, "Linear warm-up epochs.")
flags.DEFINE_list("milestones", None, "Multistep milestone epochs.")
flags.DEFINE_float("gamma", None, "Multistep factor.")
flags.DEFINE_float("momentum", None, "SGD momentum.")
flags.DEFINE_bool("nesterov", None, "Nesterov momentum.")
flags.DEFINE_float("weight_decay", None, "Weight decay (coupled L2 on all parameters).")
flags.DEFINE_bool("decoupled_weight_decay", False, "Decoupled (SGDW) instead of coupled L2.")
flags.DEFINE_float("label_smoothing", 0.0, "Label smoothing.")
flags.DEFINE_enum("mixed_precision", "none", ["none", "mixed_bfloat16", "mixed_float16"],
                  "Mixed precision policy.")
flags.DEFINE_integer("seed", 0, "Seed of weights, data order and augmentation.")
flags.DEFINE_bool("deterministic", True, "Use TensorFlow's deterministic ops.")
flags.DEFINE_float("kl_weight", None, "BNN KL weight (default 1 / training examples).")
flags.DEFINE_integer("train_subset", None, "Use only the first N training examples.")
flags.DEFINE_integer("eval_subset", None, "Use only the first N test examples.")
flags.DEFINE_enum("strategy", "auto", ["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy.")
flags.DEFINE_string("tpu", None, "TPU address or name for --strategy=tpu ('' for a TPU VM).")
flags.DEFINE_integer("cpu_devices", None, "Split the CPU into N logical devices (testing).")
flags.DEFINE_list("eval_ensemble_sizes", None, "Ensemble sizes of the final evaluation.")
flags.DEFINE_string("data_dir", None, "tfds data_dir / directory of IDX files.")
flags.DEFINE_bool("download", True, "Let tfds download missing datasets.")
flags.DEFINE_integer("verbose", 1, "1: progress bar, 2: one line per epoch.")
flags.mark_flags_as_required(["model", "dataset", "model_dir"])


def main(argv) -> None:
    del argv
    from blur_keras.training import TrainConfig, train
    try:
        config = TrainConfig(
            model=FLAGS.model, dataset=FLAGS.dataset, model_dir=FLAGS.model_dir,
            epochs=FLAGS.epochs, batch_size=FLAGS.batch_size, lr=FLAGS.lr,
            schedule=FLAGS.schedule, warmup_epochs=FLAGS.warmup_epochs,
            milestones=None if FLAGS.milestones is None else tuple(int(m) for m in FLAGS.milestones),
            gamma=FLAGS.gamma, momentum=FLAGS.momentum, nesterov=FLAGS.nesterov,
            weight_decay=FLAGS.weight_decay, decoupled_weight_decay=FLAGS.decoupled_weight_decay,
            label_smoothing=FLAGS.label_smoothing, mixed_precision=FLAGS.mixed_precision,
            seed=FLAGS.seed, deterministic=FLAGS.deterministic, kl_weight=FLAGS.kl_weight,
            train_subset=FLAGS.train_subset, eval_subset=FLAGS.eval_subset,
            strategy=FLAGS.strategy, tpu=FLAGS.tpu, cpu_devices=FLAGS.cpu_devices,
            eval_ensemble_sizes=None if FLAGS.eval_ensemble_sizes is None
            else tuple(int(n) for n in FLAGS.eval_ensemble_sizes),
            data_dir=FLAGS.data_dir, download=FLAGS.download, verbose=FLAGS.verbose)
        result = train(config)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    if "test" in result:
        print(f"Done: {result['steps']} steps, {result['images_per_second']:.1f} img/s; "
              f"test {result['test']}")


if __name__ == "__main__":
    app.run(main)
