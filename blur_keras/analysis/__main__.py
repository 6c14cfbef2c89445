"""`python -m blur_keras.analysis`: one mechanism analysis of a model, as a figure and a JSON.

Examples:
    # Model and data uncertainty per block, 10 MC executions on 128 Fashion-MNIST test images:
    python -m blur_keras.analysis --model=runs/fmnist/model.keras --analysis=variance
    # The loss landscape of a zoo preset on 1,000 augmented training images, 11 x 11 points:
    python -m blur_keras.analysis --preset=resnet_mcdo_smoothing_18_fashion_mnist \
        --analysis=landscape --subset=1000 --grid_size=11 --output_dir=landscape_out
    # The largest Hessian eigenvalue of 10 mini-batches of 128 (TensorFlow backend):
    python -m blur_keras.analysis --model=model.keras --analysis=hessian --num_batches=10
"""

from __future__ import annotations

import os
import sys

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "A .keras file (give --model or --preset).")
flags.DEFINE_string("preset", None, "A zoo preset name, loaded with blur_keras.zoo.load.")
flags.DEFINE_string("analysis", None,
                    "variance: model/data uncertainty per block; fourier: log amplitude of the "
                    "feature maps; hessian: largest Hessian eigenvalue per mini-batch; spectrum: "
                    "Hessian eigenvalue density (Lanczos); landscape: NLL on 2 random directions.")
flags.DEFINE_string("output_dir", "analysis_output", "Where <analysis>.png and .json go.")
flags.DEFINE_string("dataset", "fashion_mnist", "Dataset name (see blur_keras.data.DATASETS).")
flags.DEFINE_string("data_dir", None, "tfds data_dir / directory of IDX files.")
flags.DEFINE_bool("download", False, "Let tfds download missing data.")
flags.DEFINE_integer("batch_size", 128, "Test images (variance, fourier) or mini-batch size.")
flags.DEFINE_integer("num_samples", 10, "variance: MC executions of the model.")
flags.DEFINE_list("layers", None, "variance, fourier: layers to tap; default every block "
                  "output and smoothing layer.")
flags.DEFINE_integer("num_batches", 10, "hessian, spectrum: training mini-batches.")
flags.DEFINE_integer("iterations", 20, "hessian: power-iteration steps per mini-batch.")
flags.DEFINE_integer("num_steps", 30, "spectrum: Lanczos steps per probe.")
flags.DEFINE_integer("num_probes", 1, "spectrum: random probe vectors.")
flags.DEFINE_integer("grid_size", 21, "landscape: points per direction.")
flags.DEFINE_float("grid_range", 0.1, "landscape: the grid spans [-range, range] per direction.")
flags.DEFINE_string("normalization", "filter",
                    "landscape: 'filter' (one norm per filter) or 'reference' (the reference "
                    "code's norm across output channels) for the directions.")
flags.DEFINE_integer("subset", None, "landscape: the first N training examples (default all).")
flags.DEFINE_bool("augment", True, "Training-time augmentation of the training batches.")
flags.DEFINE_integer("seed", 0, "Seed of data order, augmentation, directions, probes, dropout.")


def _load_model():
    import keras
    if bool(FLAGS.model) == bool(FLAGS.preset):
        raise ValueError("Give exactly one of --model (a .keras file) and --preset (a zoo name).")
    if FLAGS.preset:
        try:
            from blur_keras import zoo
        except ImportError as error:
            raise ValueError(f"--preset needs blur_keras.zoo, which cannot be imported here "
                             f"({error}); pass a .keras file with --model.") from None
        return zoo.load(FLAGS.preset)
    if not FLAGS.model.endswith(".keras"):
        raise ValueError(f"--model must be a .keras file; got {FLAGS.model!r}.")
    if not os.path.isfile(FLAGS.model):
        raise ValueError(f"Model file not found: {FLAGS.model}")
    return keras.saving.load_model(FLAGS.model)


def _summary(analysis: str, result: dict) -> list[str]:
    if analysis == "variance":
        return [f"{name:>22}: model {v['model_uncertainty']:.4f}  data {v['data_uncertainty']:.4f}"
                for name, v in result.items()]
    if analysis == "fourier":
        return [f"{name:>22}: log amplitude at 0 {v['log_amplitude'][0]:.3f}, at "
                f"{v['frequency_over_pi'][-1]:.2f}pi {v['log_amplitude'][-1]:.3f}"
                for name, v in result.items()]
    if analysis == "hessian":
        return [f"largest eigenvalue over {len(result['eigenvalues'])} batches: mean "
                f"{result['mean']:.4g}, median {result['median']:.4g}, max {result['max']:.4g}"]
    if analysis == "spectrum":
        return [f"eigenvalue support [{result['min']:.4g}, {result['max']:.4g}]"]
    losses = result["losses"]
    corners = [losses[0][0], losses[0][-1], losses[-1][0], losses[-1][-1]]
    centre = "" if result["center"] is None else f"centre NLL {result['center']:.4f}, "
    return [f"{centre}corners {min(corners):.4f} to {max(corners):.4f}"]


def main(argv) -> None:
    del argv
    from blur_keras.startup import quiet_tensorflow_start
    quiet_tensorflow_start()
    import keras
    from blur_keras import analysis
    from blur_keras.data import get_spec
    options = {name: FLAGS[name].value for name in
               ("batch_size", "num_samples", "num_batches", "iterations", "num_steps",
                "num_probes", "grid_size", "grid_range", "normalization", "subset")}
    try:
        analysis.check_options(FLAGS.analysis, **options)
        get_spec(FLAGS.dataset)
        keras.utils.set_random_seed(FLAGS.seed)
        model = _load_model()
        outcome = analysis.run_analysis(
            model, FLAGS.analysis, FLAGS.output_dir, FLAGS.dataset, layer_names=FLAGS.layers,
            augment=FLAGS.augment, seed=FLAGS.seed, data_dir=FLAGS.data_dir,
            download=FLAGS.download, label=FLAGS.preset or model.name,
            **options)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print("\n".join(_summary(FLAGS.analysis, outcome["result"])))
    print("Wrote " + ", ".join(outcome["paths"].values()))


if __name__ == "__main__":
    app.run(main)
