"""`python -m blur_keras.evaluate`: metrics of a model at several ensemble sizes.

Examples:
    python -m blur_keras.evaluate --model=resnet_mcdo_smoothing_18 \
        --weights=runs/fmnist/model.weights.h5 --dataset=fashion_mnist
    python -m blur_keras.evaluate --model=runs/fmnist/model.keras --dataset=fashion_mnist \
        --ensemble_sizes=1,2,5 --subset=1000 --output_dir=eval_out
"""

from __future__ import annotations

import os
import sys

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "Registry name (with --weights) or a .keras file.")
flags.DEFINE_string("weights", None, "A .weights.h5 file for a registry --model.")
flags.DEFINE_string("dataset", "fashion_mnist", "Dataset name (see blur_keras.data.DATASETS).")
flags.DEFINE_enum("split", "test", ["train", "test"], "Split to evaluate.")
flags.DEFINE_string("data_dir", None, "tfds data_dir / directory of IDX files.")
flags.DEFINE_bool("download", True, "Let tfds download the dataset when it is missing.")
flags.DEFINE_integer("batch_size", 256, "Examples per batch.")
flags.DEFINE_list("ensemble_sizes", None,
                  "Ensemble sizes N; default 1,2,3,4,5,10,20,50 (stochastic) or 1.")
flags.DEFINE_integer("subset", None, "Evaluate only the first N examples.")
flags.DEFINE_string("output_dir", "eval_output", "Where results.csv/json and plots go.")
flags.mark_flag_as_required("model")


def main(argv) -> None:
    del argv
    from blur_keras import data, evaluation
    try:
        sizes = [int(n) for n in FLAGS.ensemble_sizes] if FLAGS.ensemble_sizes else None
    except ValueError:
        raise app.UsageError(f"--ensemble_sizes must be integers; got {FLAGS.ensemble_sizes}.")
    try:
        model = evaluation.load_model(FLAGS.model, FLAGS.weights, FLAGS.dataset)
        dataset = data.load(FLAGS.dataset, FLAGS.split, batch_size=FLAGS.batch_size,
                            training=False, data_dir=FLAGS.data_dir, subset=FLAGS.subset,
                            download=FLAGS.download)
        results, probs, labels = evaluation.evaluate_ensemble_sizes(model, dataset, sizes)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"\n{FLAGS.model} on {FLAGS.dataset} {FLAGS.split} ({len(labels)} examples)")
    print(evaluation.format_table(results))
    config = {flag: FLAGS[flag].value for flag in
              ("model", "weights", "dataset", "split", "batch_size", "subset", "ensemble_sizes")}
    paths = evaluation.write_outputs(results, probs, labels, FLAGS.output_dir, config,
                                     os.path.basename(FLAGS.model))
    print("Wrote " + ", ".join(paths.values()))


if __name__ == "__main__":
    app.run(main)
