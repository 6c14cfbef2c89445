"""`python -m blur_keras.robustness`: corruption and perturbation robustness of a model.

Examples:
    # Fashion-MNIST test images corrupted on the fly (15 corruptions x 5 severities):
    python -m blur_keras.robustness --model=resnet_mcdo_smoothing_18 \
        --weights=runs/fmnist/model.weights.h5 --dataset=fashion_mnist --num_samples=2 --subset=1000
    # The published CIFAR-100-C files, scored against the AlexNet baseline (the default there):
    python -m blur_keras.robustness --model=run/model.keras --dataset=cifar100 \
        --source=published --corrupted_dir=/data/CIFAR-100-C
    # Consistency on generated perturbation sequences:
    python -m blur_keras.robustness --model=run/model.keras --dataset=fashion_mnist \
        --corruptions=none --perturbations=translate,rotate --subset=500
"""

from __future__ import annotations

import functools
import json
import os
import sys

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "Registry name (with --weights) or a .keras file.")
flags.DEFINE_string("weights", None, "A .weights.h5 file for a registry --model.")
flags.DEFINE_string("dataset", "fashion_mnist", "The clean dataset (see blur_keras.data.DATASETS).")
flags.DEFINE_enum("source", "generated", ["generated", "published"],
                  "generated: corrupt the clean test split with blur_keras.corruptions; "
                  "published: CIFAR-10-C / ImageNet-C (tfds) or CIFAR-100-C (--corrupted_dir).")
flags.DEFINE_list("corruptions", None, "Corruption names; default the 15 benchmark ones; "
                  "'all' adds the 4 extras; 'none' skips corruptions.")
flags.DEFINE_list("severities", ["1", "2", "3", "4", "5"], "Severities to evaluate.")
flags.DEFINE_integer("num_samples", 1, "Monte Carlo samples per image.")
flags.DEFINE_integer("subset", None, "Use only the first N test images.")
flags.DEFINE_integer("batch_size", 256, "Images per batch.")
flags.DEFINE_integer("seed", 0, "Seed of generated corruptions and perturbations.")
flags.DEFINE_string("data_dir", None, "tfds data_dir / directory of IDX files.")
flags.DEFINE_string("corrupted_dir", None, "Unpacked CIFAR-100-C directory (--source=published).")
flags.DEFINE_bool("download", False, "Let tfds download missing data.")
flags.DEFINE_string("baseline", "auto", "auto (alexnet_cifar100 for cifar100, else none), none, "
                    "alexnet_cifar100, or a corruptions.json written by a baseline model's run.")
flags.DEFINE_list("perturbations", [], "Perturbation sequences for consistency: names of "
                  "blur_keras.perturbations, or of CIFAR-10-P with --cifar10_p_dir.")
flags.DEFINE_integer("frames", 10, "Frames per generated perturbation sequence.")
flags.DEFINE_string("cifar10_p_dir", None, "Unpacked CIFAR-10-P directory.")
flags.DEFINE_string("output_dir", "robustness_output", "Where tables and plots go.")
flags.mark_flag_as_required("model")


def _corruption_names():
    from blur_keras import corruptions
    if FLAGS.corruptions is None:
        return list(corruptions.names())
    if FLAGS.corruptions == ["all"]:
        return list(corruptions.names(extra=True))
    if FLAGS.corruptions == ["none"]:
        return []
    return FLAGS.corruptions


def _baseline():
    from blur_keras import robustness
    if FLAGS.baseline == "auto":
        return "alexnet_cifar100" if FLAGS.dataset == "cifar100" else None
    if FLAGS.baseline == "none":
        return None
    if FLAGS.baseline in robustness.BASELINES:
        return FLAGS.baseline
    if not os.path.isfile(FLAGS.baseline):
        raise ValueError(f"--baseline must be auto, none, {sorted(robustness.BASELINES)} or an "
                         f"existing corruptions.json; got {FLAGS.baseline!r}.")
    return robustness.read_corruption_table(FLAGS.baseline)


def _corruption_dataset(spec):
    from blur_keras import data
    if FLAGS.source == "published":
        directory = FLAGS.corrupted_dir if FLAGS.dataset == "cifar100" else FLAGS.data_dir
        return functools.partial(data.load_corrupted, FLAGS.dataset, batch_size=FLAGS.batch_size,
                                 data_dir=directory, subset=FLAGS.subset,
                                 download=FLAGS.download)
    return data.load_arrays(FLAGS.dataset, "test", data_dir=FLAGS.data_dir, subset=FLAGS.subset,
                            download=FLAGS.download)


def _consistency(model, spec, clean):
    from blur_keras import data, perturbations, robustness
    results = {}
    for name in FLAGS.perturbations:
        if FLAGS.cifar10_p_dir:
            sequences = data.load_cifar10_p(name, FLAGS.cifar10_p_dir, FLAGS.subset)
        else:
            images = clean[0] if clean is not None else data.load_arrays(
                FLAGS.dataset, "test", data_dir=FLAGS.data_dir, subset=FLAGS.subset,
                download=FLAGS.download)[0]
            sequences = perturbations.sequences(images.astype("float32") / 255.0, name,
                                                FLAGS.frames, seed=FLAGS.seed)
        results[name] = robustness.evaluate_consistency(  # noise sequences vs their first frame
            model, sequences, FLAGS.num_samples, FLAGS.batch_size, data.flip_reference(name),
            normalization=(spec.mean, spec.std))
        print(f"{name:>18}: " + " ".join(f"{k} {v:.4f}" for k, v in results[name].items()))
    return results


def main(argv) -> None:
    del argv
    from blur_keras import evaluation, robustness
    from blur_keras.data import get_spec
    try:
        severities = [int(s) for s in FLAGS.severities]
    except ValueError:
        raise app.UsageError(f"--severities must be integers; got {FLAGS.severities}.")
    try:
        spec = get_spec(FLAGS.dataset)
        names = _corruption_names()
        if not names and not FLAGS.perturbations:
            raise ValueError("Nothing to do: --corruptions=none and no --perturbations.")
        baseline = _baseline()
        model = evaluation.load_model(FLAGS.model, FLAGS.weights, FLAGS.dataset)
        config = {flag: FLAGS[flag].value for flag in
                  ("model", "weights", "dataset", "source", "num_samples", "subset", "seed",
                   "baseline", "perturbations", "frames")}
        os.makedirs(FLAGS.output_dir, exist_ok=True)
        clean = None
        if names:
            dataset = _corruption_dataset(spec)
            clean = None if callable(dataset) else dataset
            result = robustness.evaluate_corruptions(
                model, dataset, names, severities, FLAGS.num_samples,
                normalization=(spec.mean, spec.std), baseline=baseline,
                batch_size=FLAGS.batch_size, seed=FLAGS.seed)
            paths = robustness.write_corruption_outputs(
                result, FLAGS.output_dir, {**config, "severities": severities},
                os.path.basename(FLAGS.model))
            if result["scores"] is not None:
                scores = result["scores"]
                print(f"mCE {scores['mce']:.2f}%  mCNLL {scores['mcnll']:.2f}%  "
                      f"mCECE {scores['mcece']:.2f}%  (relative to the baseline, over "
                      f"{len(scores['corruptions'])} corruptions)")
            print("Wrote " + ", ".join(paths.values()))
        if FLAGS.perturbations:
            consistency = _consistency(model, spec, clean)
            path = os.path.join(FLAGS.output_dir, "consistency.json")
            with open(path, "w") as f:
                json.dump({"config": config, "consistency": consistency}, f, indent=2)
            print(f"Wrote {path}")
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    app.run(main)
