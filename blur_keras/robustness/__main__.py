r"""`python -m blur_keras.robustness`: corruption and perturbation robustness of a model.

Examples:
    # Fashion-MNIST test images corrupted on the fly (15 corruptions x 5 severities):
    python -m blur_keras.robustness --model=resnet_mcdo_smoothing_18 \
        --weights=runs/fmnist/model.weights.h5 --dataset=fashion_mnist --num_samples=2 --subset=1000
    # The published CIFAR-100-C files, scored against the paper's AlexNet (auto there):
    python -m blur_keras.robustness --model=run/model.keras --dataset=cifar100 \
        --source=published --corrupted_dir=/data/CIFAR-100-C
    # Consistency on generated perturbation sequences:
    python -m blur_keras.robustness --model=run/model.keras --dataset=fashion_mnist \
        --corruptions=none --perturbations=translate,rotate --subset=500
"""

from __future__ import annotations

import functools
import os

from absl import flags

from blur_keras import program_flags
from blur_keras.startup import run_tensorflow_program

FLAGS = flags.FLAGS
program_flags.define_model_flags()
program_flags.define_dataset_flags(batch_size=256)
flags.DEFINE_enum("source", "generated", ["generated", "published"],
                  "generated: corrupt the clean test split with blur_keras.corruptions; "
                  "published: CIFAR-10-C / ImageNet-C (tfds) or CIFAR-100-C (--corrupted_dir).")
flags.DEFINE_list("corruptions", None, "Corruption names; default the 15 benchmark ones; "
                  "'all' adds the 4 extras; 'none' skips corruptions.")
flags.DEFINE_list("severities", ["1", "2", "3", "4", "5"], "Severities to evaluate.")
flags.DEFINE_integer("num_samples", 1, "Monte Carlo samples per image.")
flags.DEFINE_integer("subset", None, "Use only the first N test images.")
flags.DEFINE_integer("seed", 0, "Seed of generated corruptions and perturbations.")
flags.DEFINE_string("corrupted_dir", None, "Unpacked CIFAR-100-C directory (--source=published).")
flags.DEFINE_string("baseline", "auto", "auto (the registered baseline measured on data like "
                    "this run's, if any), none, a registered name (e.g. cifar100_c_alexnet: "
                    "published CIFAR-100-C only), a baseline JSON, or the corruptions.json of a "
                    "baseline model's run on the same data.")
flags.DEFINE_list("perturbations", [], "Perturbation sequences for consistency: names of "
                  "blur_keras.corruptions.perturbations, or of CIFAR-10-P with --cifar10_p_dir.")
flags.DEFINE_integer("frames", 10, "Frames per generated perturbation sequence.")
flags.DEFINE_string("cifar10_p_dir", None, "Unpacked CIFAR-10-P directory.")
flags.DEFINE_string("output_dir", "robustness_output", "Where tables and plots go.")
program_flags.define_prediction_flags()


def _corruption_names() -> list[str]:
    from blur_keras import corruptions
    if FLAGS.corruptions is None:
        return list(corruptions.names())
    if FLAGS.corruptions == ["all"]:
        return list(corruptions.names(extra=True))
    if FLAGS.corruptions == ["none"]:
        return []
    unknown = [c for c in FLAGS.corruptions if c not in corruptions.names(extra=True)]
    if unknown:
        raise ValueError(f"--corruptions: unknown: {unknown}; expected names of "
                         f"{list(corruptions.names(extra=True))}, all or none.")
    return FLAGS.corruptions


def _perturbation_names() -> list[str]:
    from blur_keras import data
    from blur_keras.corruptions import perturbations
    known = data.CIFAR10_P_PERTURBATIONS if FLAGS.cifar10_p_dir else perturbations.names()
    unknown = [p for p in FLAGS.perturbations if p not in known]
    if unknown:
        raise ValueError(f"--perturbations: unknown: {unknown}; expected names of {list(known)}.")
    return FLAGS.perturbations


def _baseline(severities: list[int], subset: int | None):
    """The `Baseline` to score against (checked against this run's data), or None; says which."""
    from blur_keras import robustness
    if FLAGS.baseline == "none":
        return None
    generated = (FLAGS.seed, subset) if FLAGS.source == "generated" else None
    if FLAGS.baseline == "auto":
        baseline = robustness.matching_baseline(FLAGS.dataset, FLAGS.source, seed=FLAGS.seed,
                                                subset=subset)
        if baseline is not None and tuple(sorted(severities)) != baseline.severities:
            print(f"Baseline: none ({baseline.name} sums severities "
                  f"{list(baseline.severities)}; this run evaluates {sorted(severities)}).")
            return None
        if baseline is None:
            others = [b.name for b in robustness.BASELINES.values()
                      if (b.dataset, b.source) == (FLAGS.dataset, FLAGS.source)]
            print(f"Baseline: none registered for {FLAGS.source} {FLAGS.dataset} data"
                  + (f" of this seed and subset ({', '.join(others)} used other corrupted "
                     f"images)" if others else "")
                  + ", so no relative scores (--baseline=<a baseline model's corruptions.json> "
                    "gives them).")
            return None
    elif FLAGS.baseline in robustness.BASELINES:
        baseline = robustness.get_baseline(FLAGS.baseline)
    elif os.path.isfile(os.path.expanduser(FLAGS.baseline)):
        baseline = robustness.read_baseline(FLAGS.baseline)
    else:
        raise ValueError(f"--baseline={FLAGS.baseline} is neither auto, none, a registered "
                         f"baseline {sorted(robustness.BASELINES)} nor an existing JSON file.")
    robustness.check_comparable(baseline, FLAGS.dataset, FLAGS.source, severities,
                                generated=generated, command_line=True)
    print(f"Baseline: {baseline.name} ({baseline.model}; {baseline.data()}).")
    return baseline


def _checked_arguments() -> dict:
    """Every argument checked (paths expanded) before anything is loaded or computed."""
    from blur_keras import cli_checks, corruptions
    from blur_keras.data import corrupted, get_spec
    from blur_keras.model_source import resolve_model
    from blur_keras.robustness.corruption_evaluation import CORRUPTION_OUTPUT_FILES
    spec = get_spec(FLAGS.dataset)
    published = {**corrupted.TFDS_CORRUPTED, **corrupted.NPY_CORRUPTED}
    if FLAGS.source == "published" and FLAGS.dataset not in published:
        raise ValueError(f"--source=published: no published corrupted version of "
                         f"{FLAGS.dataset}; expected one of {sorted(published)}.")
    args = {
        "spec": spec,
        "names": _corruption_names(),
        "perturbations": _perturbation_names(),
        "severities": cli_checks.int_list("severities", FLAGS.severities, corruptions.SEVERITIES),
        "num_samples": cli_checks.positive_int("num_samples", FLAGS.num_samples),
        "subset": cli_checks.positive_int("subset", FLAGS.subset, allow_none=True),
        "batch_size": cli_checks.positive_int("batch_size", FLAGS.batch_size),
        "model_args": cli_checks.json_object("model_args", FLAGS.model_args),
        "data_dir": cli_checks.existing_dir("data_dir", FLAGS.data_dir),
        "corrupted_dir": cli_checks.existing_dir("corrupted_dir", FLAGS.corrupted_dir),
        "cifar10_p_dir": cli_checks.existing_dir("cifar10_p_dir", FLAGS.cifar10_p_dir),
    }
    args["source"] = resolve_model(FLAGS.model, FLAGS.weights, args["model_args"])
    if not args["names"] and not args["perturbations"]:
        raise ValueError("Nothing to do: --corruptions=none and no --perturbations.")
    if args["perturbations"] and not FLAGS.cifar10_p_dir and FLAGS.frames < 2:
        raise ValueError(f"--frames must be an integer >= 2; got {FLAGS.frames}.")
    args["baseline"] = _baseline(args["severities"], args["subset"]) if args["names"] else None
    args["output_dir"] = cli_checks.output_dir(
        "output_dir", FLAGS.output_dir,
        (CORRUPTION_OUTPUT_FILES if args["names"] else ())
        + (("consistency.json",) if args["perturbations"] else ()))
    return args


def _datasets(args):
    """`(clean arrays or None, published (corruption, severity) -> batches or None)`."""
    from blur_keras import data
    generated = args["names"] and FLAGS.source == "generated"
    clean = None
    if generated or (args["perturbations"] and not args["cifar10_p_dir"]):
        clean = data.load_arrays(FLAGS.dataset, "test", data_dir=args["data_dir"],
                                 subset=args["subset"], download=FLAGS.download)
    published = None
    if args["names"] and FLAGS.source == "published":
        directory = args["corrupted_dir"] if FLAGS.dataset == "cifar100" else args["data_dir"]
        published = functools.partial(data.load_corrupted, FLAGS.dataset,
                                      batch_size=args["batch_size"], data_dir=directory,
                                      subset=args["subset"], download=FLAGS.download)
    return clean, published


def _outputs(model, args, clean, published) -> str:
    """`--outputs`, or what `auto` finds on a first batch; printed with the reason."""
    from blur_keras import predict, robustness
    from blur_keras.evaluation import numpy_batches
    if FLAGS.outputs != "auto":
        kind, reason = FLAGS.outputs, "--outputs"
    else:
        spec = args["spec"]
        if clean is not None:
            x = robustness.normalize_images(clean[0][:16], (spec.mean, spec.std))
        elif published is not None:
            first = next(numpy_batches(published(args["names"][0], args["severities"][0])), None)
            x = None if first is None else first[0]
        else:
            x = None
        kind, reason = predict.infer_outputs(model, x)
    print(f"Model outputs: {kind} ({reason}); --outputs overrides this.")
    return kind


def _consistency(model, args, clean, outputs):
    from blur_keras import data, robustness
    from blur_keras.corruptions import perturbations
    spec = args["spec"]
    results = {}
    for name in args["perturbations"]:
        if args["cifar10_p_dir"]:
            sequences = data.load_cifar10_p(name, args["cifar10_p_dir"], args["subset"])
        else:
            sequences = perturbations.sequences(clean[0].astype("float32") / 255.0, name,
                                                FLAGS.frames, seed=FLAGS.seed)
        results[name] = robustness.evaluate_consistency(  # noise sequences vs their first frame
            model, sequences, args["num_samples"], args["batch_size"], data.flip_reference(name),
            normalization=(spec.mean, spec.std), outputs=outputs)
        print(f"{name:>18}: " + " ".join(f"{k} {v:.4f}" for k, v in results[name].items()))
    return results


def main(argv) -> None:
    del argv
    from blur_keras import robustness
    from blur_keras.json_output import write_json
    from blur_keras.model_source import load_model
    args = _checked_arguments()
    source = args["source"]
    model = load_model(source.model, source.weights, FLAGS.dataset, source.model_args)
    clean, published = _datasets(args)
    outputs = _outputs(model, args, clean, published)
    config = {flag: FLAGS[flag].value for flag in
              ("model", "weights", "dataset", "source", "num_samples", "subset", "seed",
               "baseline", "perturbations", "frames", "ece_binning")}
    config["model_args"] = args["model_args"]
    config["outputs"] = outputs
    os.makedirs(args["output_dir"], exist_ok=True)
    if args["names"]:
        spec = args["spec"]
        result = robustness.evaluate_corruptions(
            model, clean if published is None else published, args["names"],
            args["severities"], args["num_samples"], normalization=(spec.mean, spec.std),
            baseline=args["baseline"], batch_size=args["batch_size"], seed=FLAGS.seed,
            outputs=outputs, ece_binning=FLAGS.ece_binning)
        paths = robustness.write_corruption_outputs(
            result, args["output_dir"], {**config, "severities": args["severities"]},
            os.path.basename(FLAGS.model))
        if result["scores"] is not None:
            scores = result["scores"]
            print(f"mCE {scores['mce']:.2f}%  mCNLL {scores['mcnll']:.2f}%  "
                  f"mCECE {scores['mcece']:.2f}%  (relative to {scores['baseline']}, over "
                  f"{len(scores['corruptions'])} corruptions)")
        print("Wrote " + ", ".join(paths.values()))
    if args["perturbations"]:
        consistency = _consistency(model, args, clean, outputs)
        path = os.path.join(args["output_dir"], "consistency.json")
        write_json(path, {"config": config, "consistency": consistency})
        print(f"Wrote {path}")


if __name__ == "__main__":
    run_tensorflow_program(main)
