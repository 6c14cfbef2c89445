r"""`python -m blur_keras.training`: the paper's training recipe on one CPU or many accelerators.

Examples:
    python -m blur_keras.training --model=resnet_mcdo_smoothing_18 --dataset=cifar100 \
        --model_dir=runs/c100_mcdo_smooth                      # the full reference recipe
    python -m blur_keras.training --model=resnet_mcdo_smoothing_18 --dataset=fashion_mnist \
        --model_args='{"width": 16}' --epochs=8 --mixed_precision=mixed_bfloat16 \
        --model_dir=runs/fmnist_w16

Exit codes: 0 finished (or already finished in --model_dir), 1 the loss became
NaN/infinite (result.json says where), 2 a bad flag, data or --model_dir
(nothing was computed). TensorFlow's start-up logs are hidden unless
BLUR_KERAS_TF_LOGS=1.
"""

from __future__ import annotations

import sys

from absl import flags

from blur_keras.startup import run_program

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "(required) Registry name, e.g. resnet_mcdo_smoothing_18.")
flags.DEFINE_string("dataset", None,
                    "(required) cifar10, cifar100, imagenet2012, fashion_mnist or mnist.")
flags.DEFINE_string("model_dir", None, "(required) Output directory of this run (run.json, "
                    "backups, logs, model, result.json); one directory, one configuration.")
flags.DEFINE_string("model_args", None, "JSON object of builder arguments, e.g. "
                    "'{\"width\": 16, \"smoothing\": {\"padding\": \"same\"}}'.")
flags.DEFINE_bool("overwrite", False, "Delete a previous run's outputs in --model_dir and start "
                  "over (otherwise a directory of another configuration is refused).")
flags.DEFINE_integer("epochs", None, "Scheduled epochs after the warm-up (default: the recipe's).")
flags.DEFINE_integer("batch_size", None, "Global batch size (default: the recipe's).")
flags.DEFINE_float("lr", None, "Learning rate per 128 examples; scaled by batch_size / 128.")
flags.DEFINE_enum("schedule", "multistep", ["multistep", "cosine"], "Learning-rate schedule.")
flags.DEFINE_integer("warmup_epochs", None, "Linear warm-up epochs before the scheduled ones.")
flags.DEFINE_list("milestones", None, "Multistep milestones in scheduled epochs (default: the "
                  "recipe's, scaled to --epochs).")
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
flags.DEFINE_enum("validation", "test", ["test", "holdout"], "Split of the per-epoch validation (val_* history, "
                    "curves.json): 'test' (the test split) or 'holdout' (the last images of the "
                    "train split, e.g. Fashion-MNIST train[50000:60000]; training then reads only "
                    "the images before them, and the test split only the final evaluation).")
flags.DEFINE_integer("train_subset", None, "Use only the first N training examples (with "
                     "--validation=holdout: of those before the hold-out).")
flags.DEFINE_integer("eval_subset", None, "Use only the first N examples of the test split (and "
                     "of the hold-out with --validation=holdout).")
flags.DEFINE_enum("strategy", "auto", ["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy.")
flags.DEFINE_string("tpu", None, "TPU address or name for --strategy=tpu ('' for a TPU VM).")
flags.DEFINE_integer("cpu_devices", None, "Split the CPU into N logical devices (testing).")
flags.DEFINE_list("eval_ensemble_sizes", None, "Ensemble sizes of the final evaluation.")
flags.DEFINE_string("data_dir", None, "tfds data_dir / directory of IDX files.")
flags.DEFINE_bool("download", False, "Let tfds download missing datasets.")
flags.DEFINE_integer("verbose", 1, "1: progress bar, 2: one line per epoch.")
flags.mark_flags_as_required(["model", "dataset", "model_dir"])


def _integers(name: str, values):
    from blur_keras.cli_checks import int_list
    return None if values is None else tuple(int_list(name, values))


def summary(result: dict) -> str:
    """The end of a run in a few readable lines."""
    lines = [f"status     {result['status']}: {result['steps']} steps"
             + (f", {result['images_per_second']:.0f} img/s this session"
                if result.get("images_per_second") is not None else "")]
    if result.get("best_val_nll_epoch") is not None:
        lines.append(f"best       validation NLL {result['best_val_nll']:.4f} at epoch "
                     f"{result['best_val_nll_epoch']} ({result['splits']['validation']})")
    for split in ("validation", "test"):
        for n, values in result.get(split, {}).items():
            lines.append(f"{split} N={n:<3} " + "  ".join(
                f"{key} {values[key]:.4f}" for key in ("nll", "accuracy", "ece", "brier")
                if key in values))
    return "\n".join(lines)


def main(argv) -> None:
    if len(argv) > 1:
        print(f"error: unexpected arguments {argv[1:]}; flags are --name=value.", file=sys.stderr)
        sys.exit(2)
    from blur_keras.startup import quiet_tensorflow_start
    quiet_tensorflow_start()
    from blur_keras.cli_checks import json_object
    from blur_keras.training import TrainConfig, TrainingDiverged, train
    try:
        config = TrainConfig(
            model=FLAGS.model, dataset=FLAGS.dataset, model_dir=FLAGS.model_dir,
            model_args=json_object("model_args", FLAGS.model_args), overwrite=FLAGS.overwrite,
            epochs=FLAGS.epochs, batch_size=FLAGS.batch_size, lr=FLAGS.lr,
            schedule=FLAGS.schedule, warmup_epochs=FLAGS.warmup_epochs,
            milestones=_integers("milestones", FLAGS.milestones),
            gamma=FLAGS.gamma, momentum=FLAGS.momentum, nesterov=FLAGS.nesterov,
            weight_decay=FLAGS.weight_decay, decoupled_weight_decay=FLAGS.decoupled_weight_decay,
            label_smoothing=FLAGS.label_smoothing, mixed_precision=FLAGS.mixed_precision,
            seed=FLAGS.seed, deterministic=FLAGS.deterministic, kl_weight=FLAGS.kl_weight,
            validation=FLAGS.validation, train_subset=FLAGS.train_subset,
            eval_subset=FLAGS.eval_subset,
            strategy=FLAGS.strategy, tpu=FLAGS.tpu, cpu_devices=FLAGS.cpu_devices,
            eval_ensemble_sizes=_integers("eval_ensemble_sizes", FLAGS.eval_ensemble_sizes),
            data_dir=FLAGS.data_dir, download=FLAGS.download, verbose=FLAGS.verbose)
        result = train(config)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    print(summary(result), flush=True)


if __name__ == "__main__":
    run_program(main)
