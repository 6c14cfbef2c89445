r"""`python -m blur_keras.analysis`: one mechanism analysis of a model, as a figure and a JSON.

Examples:
    # Model and data uncertainty per block, 10 MC executions on 128 Fashion-MNIST test images:
    python -m blur_keras.analysis --model=runs/fmnist/model.keras --analysis=variance
    # The loss landscape of a zoo preset on 1,000 augmented training images, 11 x 11 points:
    python -m blur_keras.analysis --preset=resnet_mcdo_smoothing_18.fmnist_w16 \
        --analysis=landscape --subset=1000 --grid_size=11 --output_dir=landscape_out
    # The largest Hessian eigenvalue of 10 mini-batches of 128 (TensorFlow backend):
    python -m blur_keras.analysis --model=model.keras --analysis=hessian --num_batches=10
    # Two presets side by side: each into output_dir/<preset>/, and one figure of both:
    python -m blur_keras.analysis --preset=resnet_mcdo_18.fmnist_w16,resnet_mcdo_smoothing_18.fmnist_w16 \
        --analysis=variance --output_dir=docs/analysis
"""

from __future__ import annotations

import os

from absl import flags

from blur_keras import program_flags
from blur_keras.startup import run_tensorflow_program

FLAGS = flags.FLAGS
flags.DEFINE_list("model", None, ".keras files (give --model or --preset); several: each "
                  "into output_dir/<file name>/ and one figure of all in output_dir.")
flags.DEFINE_list("preset", None, "Zoo preset names, loaded with blur_keras.zoo.load (the bare "
                  "networks, include_preprocessing=False: the analyses feed standardised "
                  "images); several: each into output_dir/<preset>/ and one figure of all in "
                  "output_dir.")
flags.DEFINE_string("analysis", None,
                    "variance: model/data uncertainty per block; fourier: log amplitude of the "
                    "feature maps; hessian: largest Hessian eigenvalue per mini-batch; spectrum: "
                    "Hessian eigenvalue density (Lanczos); landscape: NLL on 2 random directions.")
flags.DEFINE_string("output_dir", "analysis_output", "Where <analysis>.png and .json go.")
program_flags.define_dataset_flags(
    batch_size=128, batch_size_help="Test images (variance, fourier) or mini-batch size.")
flags.DEFINE_integer("num_samples", 10, "variance: MC executions of the model.")
flags.DEFINE_list("layers", None, "variance, fourier: layers to tap; default every block "
                  "output and smoothing layer. With several models each uses those it has.")
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


def _load_models() -> dict:
    """`{label: model}` for --model or --preset, checked before anything is loaded."""
    import keras
    if bool(FLAGS.model) == bool(FLAGS.preset):
        raise ValueError("Give exactly one of --model (.keras files) and --preset (zoo names).")
    sources = FLAGS.preset or FLAGS.model
    labels = list(FLAGS.preset) if FLAGS.preset else [
        os.path.splitext(os.path.basename(path))[0] for path in FLAGS.model]
    if len(set(labels)) != len(labels):
        raise ValueError(f"Each model needs its own name (it names its output folder); "
                         f"received {labels}.")
    if FLAGS.preset:
        try:
            from blur_keras import zoo
        except ImportError as error:
            raise ValueError(f"--preset needs blur_keras.zoo, which cannot be imported here "
                             f"({error}); pass .keras files with --model.") from None
        # The analyses feed standardised images: the bare networks.
        return {label: zoo.load(label, include_preprocessing=False) for label in labels}
    for path in sources:
        if not path.endswith(".keras"):
            raise ValueError(f"--model takes .keras files; got {path!r}.")
        if not os.path.isfile(path):
            raise ValueError(f"Model file not found: {path}")
    return {label: keras.saving.load_model(path) for label, path in zip(labels, sources)}


def _layers_of(model, several: bool) -> list[str] | None:
    """--layers for one model: all of them, or with several models those it has."""
    if FLAGS.layers is None or not several:
        return FLAGS.layers
    names = {layer.name for layer in model.layers}
    mine = [name for name in FLAGS.layers if name in names]
    if not mine:
        raise ValueError(f"Model {model.name!r} has none of --layers={','.join(FLAGS.layers)}.")
    return mine


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
    import keras
    from blur_keras import analysis
    from blur_keras.data import get_spec
    options = {name: FLAGS[name].value for name in
               ("batch_size", "num_samples", "num_batches", "iterations", "num_steps",
                "num_probes", "grid_size", "grid_range", "normalization", "subset")}
    analysis.check_options(FLAGS.analysis, **options)
    get_spec(FLAGS.dataset)
    keras.utils.set_random_seed(FLAGS.seed)
    models = _load_models()
    several = len(models) > 1
    layers = {label: _layers_of(model, several) for label, model in models.items()}
    outcomes = {}
    for label, model in models.items():
        output_dir = os.path.join(FLAGS.output_dir, label) if several else FLAGS.output_dir
        outcomes[label] = analysis.run_analysis(
            model, FLAGS.analysis, output_dir, FLAGS.dataset, layer_names=layers[label],
            augment=FLAGS.augment, seed=FLAGS.seed, data_dir=FLAGS.data_dir,
            download=FLAGS.download, label=label if FLAGS.preset else model.name,
            **options)
        if several:
            print(f"{label}:")
        print("\n".join(_summary(FLAGS.analysis, outcomes[label]["result"])))
        print("Wrote " + ", ".join(outcomes[label]["paths"].values()))
    if several:
        from blur_keras.analysis.comparison import comparison_figure
        path = os.path.join(FLAGS.output_dir, f"{FLAGS.analysis}.png")
        comparison_figure(FLAGS.analysis, {label: outcome["result"]
                                           for label, outcome in outcomes.items()}, path)
        print(f"Wrote {path}")


if __name__ == "__main__":
    run_tensorflow_program(main)
