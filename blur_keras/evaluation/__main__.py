r"""`python -m blur_keras.evaluation`: metrics of a model at several ensemble sizes.

Examples:
    python -m blur_keras.evaluation --model=resnet_mcdo_smoothing_18 \
        --weights=runs/fmnist/model.weights.h5 --dataset=fashion_mnist
    python -m blur_keras.evaluation --model=runs/fmnist/model.keras --dataset=fashion_mnist \
        --ensemble_sizes=1,2,5 --subset=1000 --output_dir=eval_out
"""

from __future__ import annotations

import os

from absl import flags

from blur_keras import program_flags
from blur_keras.startup import run_tensorflow_program

FLAGS = flags.FLAGS
program_flags.define_model_flags()
program_flags.define_dataset_flags(batch_size=256)
flags.DEFINE_enum("split", "test", ["train", "test"], "Split to evaluate.")
flags.DEFINE_list("ensemble_sizes", None,
                  "Ensemble sizes N; default 1,2,3,4,5,10,20,50 (stochastic) or 1.")
flags.DEFINE_integer("subset", None, "Evaluate only the first N examples.")
flags.DEFINE_string("output_dir", "eval_output", "Where results.csv/json and plots go.")
program_flags.define_prediction_flags()


def _checked_arguments() -> dict:
    """Every argument checked (paths expanded) before anything is loaded or computed."""
    from blur_keras import cli_checks, evaluation
    from blur_keras.data import get_spec
    from blur_keras.model_source import resolve_model
    get_spec(FLAGS.dataset)
    model_args = cli_checks.json_object("model_args", FLAGS.model_args)
    return {
        "source": resolve_model(FLAGS.model, FLAGS.weights, model_args),
        "model_args": model_args,
        "data_dir": cli_checks.existing_dir("data_dir", FLAGS.data_dir),
        "batch_size": cli_checks.positive_int("batch_size", FLAGS.batch_size),
        "subset": cli_checks.positive_int("subset", FLAGS.subset, allow_none=True),
        "sizes": cli_checks.int_list("ensemble_sizes", FLAGS.ensemble_sizes)
        if FLAGS.ensemble_sizes else None,
        "output_dir": cli_checks.output_dir("output_dir", FLAGS.output_dir,
                                            evaluation.OUTPUT_FILES),
    }


def main(argv) -> None:
    del argv
    from blur_keras import data, evaluation, predict
    from blur_keras.model_source import load_model
    args = _checked_arguments()
    source = args["source"]
    model = load_model(source.model, source.weights, FLAGS.dataset, source.model_args)
    dataset = data.load(FLAGS.dataset, FLAGS.split, batch_size=args["batch_size"],
                        training=False, data_dir=args["data_dir"], subset=args["subset"],
                        download=FLAGS.download)
    if FLAGS.outputs == "auto":
        first = next(evaluation.numpy_batches(dataset), None)
        outputs, reason = predict.infer_outputs(model, None if first is None else first[0])
    else:
        outputs, reason = FLAGS.outputs, "--outputs"
    print(f"Model outputs: {outputs} ({reason}); --outputs overrides this.")
    results, probs, labels = evaluation.evaluate_ensemble_sizes(
        model, dataset, args["sizes"], outputs=outputs, ece_binning=FLAGS.ece_binning)
    print(f"\n{FLAGS.model} on {FLAGS.dataset} {FLAGS.split} ({len(labels)} examples)")
    print(evaluation.format_table(results))
    config = {flag: FLAGS[flag].value for flag in
              ("model", "weights", "dataset", "split", "batch_size", "subset", "ensemble_sizes",
               "ece_binning")}
    config["model_args"] = args["model_args"]
    config["outputs"] = outputs
    paths = evaluation.write_outputs(results, probs, labels, args["output_dir"], config,
                                     os.path.basename(FLAGS.model))
    print("Wrote " + ", ".join(paths.values()))


if __name__ == "__main__":
    run_tensorflow_program(main)
