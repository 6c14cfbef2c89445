"""What the study measures on each trained model: one function per evaluation JSON.

Each function takes the model, its `Run` and a `Context` (the data, read once per process)
and returns `{"config": what was measured how, "result": the numbers}`; `clean` also writes
the N = 1 test probabilities of runs that keep them (`probabilities.npz`, float16).
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from study.context import Context, training_split
from study.plan import Run, Settings

PROBABILITIES_FILE = "probabilities.npz"
#: Relative change of the power iteration's estimate that stops it (PyHessian's rule).
HESSIAN_TOLERANCE = 1e-3


def _write_probabilities(path: str, probs: np.ndarray, labels: np.ndarray) -> None:
    """Writes `probabilities` (float16) and `labels` (uint8) to a compressed npz, atomically."""
    temporary = path + ".tmp.npz"
    np.savez_compressed(temporary, probabilities=probs.astype(np.float16),
                        labels=labels.astype(np.uint8))
    os.replace(temporary, path)


def clean(model, run: Run, context: Context, output_dir: str) -> dict:
    """NLL, accuracy, ECE, Brier, ... of the predictive mean at each N of `run.sizes`.

    One pass draws max(N) samples per test image; N = n uses the first n
    (`blur_keras.evaluation.evaluate_ensemble_sizes`). Deterministic models: N = 1.
    """
    from blur_keras import data, evaluation
    settings = context.settings
    test = data.load(context.dataset, "test", batch_size=settings.eval_batch, training=False,
                     data_dir=context.data_dir, subset=settings.test_subset,
                     drop_remainder=False)
    results, probs, labels = evaluation.evaluate_ensemble_sizes(model, test, run.sizes,
                                                                progress=False)
    if run.probabilities:
        _write_probabilities(os.path.join(output_dir, PROBABILITIES_FILE), probs[1], labels)
    sizes = sorted(results)
    return {
        "config": {"split": "test", "test_images": int(len(labels)),
                   "test_subset": settings.test_subset, "sizes": sizes,
                   "samples_per_image": sizes[-1],
                   "sampling": f"one pass of {sizes[-1]} samples per image; N = n is the mean "
                               f"of its first n",
                   "batch_size": settings.eval_batch,
                   "ece": "10 equal-width bins (binning 'consistent')",
                   "probabilities_file": PROBABILITIES_FILE if run.probabilities else None},
        "result": {"stochastic": evaluation.is_stochastic(model),
                   "metrics": {str(n): results[n] for n in sizes}},
    }


def corruptions(model, run: Run, context: Context, output_dir: str) -> dict:
    """Metrics per generated corruption (the 15) and severity (1-5), N = 1."""
    from blur_keras import corruptions as corruption_lib
    from blur_keras import robustness
    settings = context.settings
    names = list(corruption_lib.names())
    severities = list(corruption_lib.SEVERITIES)
    result = robustness.evaluate_corruptions(
        model, context.corrupted_batches(), names, severities, num_samples=1,
        batch_size=settings.eval_batch, progress=False)
    images = len(context.test_arrays(settings.corruption_images)[1])
    return {
        "config": {"source": "generated", "dataset": context.dataset, "subset": images,
                   "images": f"the first {images} test images", "seed": settings.corruption_seed,
                   "corruptions": names, "severities": severities, "num_samples": 1,
                   "batch_size": settings.eval_batch,
                   "generator": "blur_keras.robustness.generated_batches (batch k of "
                                "corruption c at severity s: seed (seed, index of c, s, k))",
                   "ece": "10 equal-width bins (binning 'consistent')"},
        "result": {"table": {c: {str(s): row for s, row in rows.items()}
                             for c, rows in result["table"].items()}},
    }


def consistency(model, run: Run, context: Context, output_dir: str) -> dict:
    """Cons, CEC (the reference's), cross-entropy and flip rate on perturbation sequences, N = 1."""
    from blur_keras import data, robustness
    settings = context.settings
    by_perturbation = {}
    for name in settings.perturbations:
        by_perturbation[name] = robustness.evaluate_consistency(
            model, context.sequences(name), 1, settings.eval_batch, data.flip_reference(name),
            normalization=context.normalization)
    keys = list(next(iter(by_perturbation.values())))
    mean = {key: float(np.mean([values[key] for values in by_perturbation.values()]))
            for key in keys}
    return {
        "config": {"sequences": settings.consistency_images,
                   "images": f"the first {settings.consistency_images} test images",
                   "frames": settings.consistency_frames,
                   "perturbations": list(settings.perturbations),
                   "seed": settings.corruption_seed, "num_samples": 1,
                   "flip_reference": {name: data.flip_reference(name)
                                      for name in settings.perturbations}},
        "result": {"by_perturbation": by_perturbation, "mean": mean},
    }


def variance(model, run: Run, context: Context, output_dir: str) -> dict:
    """Model and data uncertainty of every block output and smoothing layer (Fig. 5), and the
    scale of each map (the root mean square of its entries, one execution), so that models
    can be compared at the same depth on a scale-free footing too."""
    from blur_keras.analysis import feature_map_variance, feature_maps, tapped_layer_names
    settings = context.settings
    inputs = context.test_inputs(settings.analysis_images)
    layers = feature_map_variance(model, inputs, settings.variance_samples)
    maps = feature_maps(model, inputs, tapped_layer_names(model))
    scale = {name: float(np.sqrt(np.mean(np.square(values, dtype=np.float64))))
             for name, values in maps.items()}
    return {"config": {"images": f"the first {settings.analysis_images} test images",
                       "executions": settings.variance_samples,
                       "scale": "root mean square of the map's entries, one execution"},
            "result": {"layers": layers, "scale": scale}}


def stage1_end(layer_names) -> str:
    """The last tapped layer of stage 1: its smoothing layer, or its last block's output."""
    stage1 = [name for name in layer_names if name.startswith("stage1_")]
    if not stage1:
        raise ValueError(f"No stage-1 layer among {list(layer_names)}.")
    return stage1[-1]


def fourier(model, run: Run, context: Context, output_dir: str) -> dict:
    """Log amplitude of the feature maps of every tapped layer, 0 to pi (Fig. 6), one execution."""
    from blur_keras.analysis import feature_maps, fourier_log_amplitude, tapped_layer_names
    settings = context.settings
    names = tapped_layer_names(model)
    maps = feature_maps(model, context.test_inputs(settings.analysis_images), names)
    layers = {}
    for name, values in maps.items():
        frequencies, amplitude = fourier_log_amplitude(values)
        layers[name] = {"size": int(values.shape[1]),
                        "frequency_over_pi": (frequencies / np.pi).tolist(),
                        "log_amplitude": amplitude.tolist()}
    return {"config": {"images": f"the first {settings.analysis_images} test images",
                       "executions": 1},
            "result": {"stage1_end": stage1_end(names), "layers": layers}}


def hessian(model, run: Run, context: Context, output_dir: str) -> dict:
    """The largest Hessian eigenvalue of the training NLL on each of a few batches (Fig. 8),
    in `hessian_repeats` repeats on disjoint batches with their own start vectors: a rerun of
    the same model, whose agreement the report shows."""
    from blur_keras import data
    from blur_keras.analysis import hessian_max_eigenvalues
    settings = context.settings
    count = settings.hessian_batches * settings.hessian_repeats
    batches = list(data.load(
        context.dataset, training_split(run), batch_size=settings.hessian_batch_size,
        training=True, seed=settings.eval_seed, subset=count * settings.hessian_batch_size,
        data_dir=context.data_dir, drop_remainder=True).as_numpy_iterator())
    repeats = []
    for index in range(settings.hessian_repeats):
        chosen = batches[index * settings.hessian_batches:(index + 1) * settings.hessian_batches]
        values = hessian_max_eigenvalues(model, chosen, settings.hessian_batches,
                                         settings.hessian_iterations, HESSIAN_TOLERANCE,
                                         seed=settings.eval_seed + index)
        repeats.append(values)
    values = np.concatenate(repeats)
    return {"config": {"batches": settings.hessian_batches,
                       "repeats": settings.hessian_repeats,
                       "batch_size": settings.hessian_batch_size,
                       "data": f"the first {count * settings.hessian_batch_size} images of "
                               f"{training_split(run)} in the seed-{settings.eval_seed} "
                               f"training order, with the training augmentation; repeat r "
                               f"takes batches r*{settings.hessian_batches} onwards and start "
                               f"vectors of seed {settings.eval_seed} + r",
                       "iterations": settings.hessian_iterations, "tolerance": HESSIAN_TOLERANCE,
                       "loss": "NLL of the logits, BN in inference mode, one dropout mask per "
                               "batch"},
            "result": {"eigenvalues": values.tolist(), "mean": float(values.mean()),
                       "median": float(np.median(values)), "max": float(values.max()),
                       "repeats": [{"eigenvalues": r.tolist(), "mean": float(r.mean()),
                                    "median": float(np.median(r))} for r in repeats]}}


def _late_evaluators() -> dict[str, Callable]:
    from study.bn_adaptation import bn_adaptation
    from study.mechanisms import landscape, predictive
    return {"predictive": predictive, "landscape": landscape, "bn_adaptation": bn_adaptation}


#: Evaluation name -> function; the JSON is `<name>.json` in the run's results folder.
EVALUATORS = {"clean": clean, "corruptions": corruptions, "consistency": consistency,
              "variance": variance, "fourier": fourier, "hessian": hessian,
              **_late_evaluators()}
