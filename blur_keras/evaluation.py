"""Evaluation at several ensemble sizes: the API behind `python -m blur_keras.evaluate`."""

from __future__ import annotations

import csv
import json
import os
import re
import warnings
from typing import Iterable, Sequence

import numpy as np
import keras

from blur_keras import metrics, plots
from blur_keras.json_output import write_json
from blur_keras.layers import monte_carlo_layers
from blur_keras.predict import predict_proba

#: Default ensemble sizes (numbers of MC samples) of stochastic models.
STOCHASTIC_ENSEMBLE_SIZES = (1, 2, 3, 4, 5, 10, 20, 50)
#: The files `write_outputs` writes into its directory.
OUTPUT_FILES = ("results.csv", "results.json", "reliability.png", "ensemble_size.png")


def load_model(model: str, weights: str | None, dataset: str,
               model_args: dict | None = None):
    """A zoo preset, a registry model with weights, or a `.keras` file; clear `ValueError`s otherwise.

    Args:
        model: a zoo preset name (`blur_keras.zoo.names()`, e.g.
            `resnet_mcdo_18.fmnist_w16`: verified, seeded with 0 as its card;
            the bare network, which takes standardised images as the
            programs feed them),
            a registry name (see `blur_keras.models.names()`) or a `.keras` path.
        weights: a `.weights.h5` file for a registry name.
        dataset: the dataset the model was trained on: its protocol (classes,
            input shape, stem) builds the registry model.
        model_args: builder arguments the model was trained with (e.g.
            `{"width": 16}`), for a registry name.

    Returns:
        The Keras model.
    """
    from blur_keras import protocol
    from blur_keras.data import get_spec
    if "." in model and not model.endswith(".keras") and os.sep not in model:
        from blur_keras import zoo
        if weights:
            raise ValueError("--weights is for registry names; a zoo preset holds its weights.")
        # PresetError is a ValueError. The programs feed standardised images: the bare network.
        return zoo.load(model, include_preprocessing=False, seed=0, compile=False)
    if model.endswith(".keras"):
        if weights:
            raise ValueError("--weights is for registry names; a .keras file holds its weights.")
        if not os.path.isfile(model):
            raise ValueError(f"Model file not found: {model}")
        return keras.saving.load_model(model)
    spec = get_spec(dataset)
    built = protocol.build_model(model, dataset, model_args)
    if weights is None:
        raise ValueError(f"--weights is required with the registry name {model!r} "
                         "(an untrained model would be evaluated).")
    if not os.path.isfile(weights):
        raise ValueError(f"Weights file not found: {weights}")
    built_as = f"{model}{' ' + json.dumps(model_args) if model_args else ''}"
    advice = ("Build it with the builder arguments the weights were trained with (model_args; "
              "--model_args on the command line; a training run's result.json records them "
              "under config.model_args).")
    with warnings.catch_warnings(record=True) as caught:   # Keras warns per layer it skips
        warnings.simplefilter("always")
        try:
            built.load_weights(weights)
        except Exception as error:    # shapes that do not fit raise several types
            raise ValueError(f"The weights in {weights} do not fit {built_as} for {dataset} "
                             f"({spec.num_classes} classes, input {spec.image_shape}): "
                             f"{_first_mismatch(error)}. {advice}") from None
    skipped = [w for w in caught if "Skipping" in str(w.message)
               or "freshly-initialized" in str(w.message)]
    if skipped:
        raise ValueError(f"The weights in {weights} fit {built_as} for {dataset} only in part "
                         f"({len(skipped)} parts of the model would keep their initial values). "
                         f"{advice}")
    return built


def _first_mismatch(error: Exception) -> str:
    """The first layer whose weights do not fit, in one line, from Keras' long message."""
    text = str(error)
    layer = re.search(r"for object <\w+ name=([^,>]+)", text)
    shapes = re.search(r"variable\.shape=(\([^)]*\)), Received: value\.shape=(\([^)]*\))", text)
    if shapes:
        where = f"layer {layer.group(1)}: " if layer else ""
        return (f"{where}the model has a weight of shape {shapes.group(1)}, the file "
                f"{shapes.group(2)}")
    first = " ".join(text.split("\n\n")[0].split())
    return first[:300] + ("..." if len(first) > 300 else "")


def is_stochastic(model: keras.Model) -> bool:
    """Whether `model` samples at inference (MC dropout or variational layers)."""
    return any(layer.mc_active for layer in monte_carlo_layers(model))


def default_ensemble_sizes(model: keras.Model) -> tuple[int, ...]:
    """1, 2, 3, 4, 5, 10, 20, 50 for stochastic models; 1 otherwise."""
    return STOCHASTIC_ENSEMBLE_SIZES if is_stochastic(model) else (1,)


def evaluate_ensemble_sizes(model: keras.Model, dataset: Iterable,
                            ensemble_sizes: Sequence[int] | None = None,
                            num_bins: int = 10, progress: bool = True, *,
                            outputs: str = "auto", ece_binning: str = "consistent",
                            ) -> tuple[dict[int, dict[str, float]], dict[int, np.ndarray], np.ndarray]:
    """Metrics of the predictive mean of the first N samples, for every N.

    One pass over `dataset` draws `max(ensemble_sizes)` samples per example
    (with `predict_proba`'s fast path); the metrics at a smaller N use the
    first N of them.

    Args:
        model: a model that outputs logits or probabilities (see `outputs`).
        dataset: batches of `(images, labels)` (a `tf.data.Dataset` or any iterable).
        ensemble_sizes: the N to report; default `default_ensemble_sizes(model)`.
        num_bins: ECE bins.
        progress: show a progress bar.
        outputs: `"auto"`, `"logits"` or `"probabilities"` (see `predict_proba`).
        ece_binning: `"consistent"` or `"reference"` (see `metrics.calibration_bins`).

    Returns:
        `(results, probs, labels)`: `{N: metrics.summary(...)}`, `{N: probabilities}`
        and the labels.
    """
    sizes = sorted(set(ensemble_sizes or default_ensemble_sizes(model)))
    if not sizes or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes):
        raise ValueError(f"ensemble_sizes must be positive integers; received {ensemble_sizes!r}.")
    if not is_stochastic(model) and sizes != [1]:
        sizes = [1]  # every sample of a deterministic model is the same
    cardinality = getattr(dataset, "cardinality", lambda: -1)()
    bar = keras.utils.Progbar(int(cardinality) if int(cardinality) > 0 else None,
                              verbose=1 if progress else 0, unit_name="batch")
    parts: dict[int, list[np.ndarray]] = {n: [] for n in sizes}
    labels = []
    for step, (images, batch_labels) in enumerate(numpy_batches(dataset), start=1):
        _, samples = predict_proba(model, images, num_samples=sizes[-1],
                                   batch_size=len(images), return_samples=True, outputs=outputs)
        cumulative = np.cumsum(samples.astype(np.float64), axis=0)
        for n in sizes:
            parts[n].append((cumulative[n - 1] / n).astype(np.float32))
        labels.append(np.asarray(batch_labels).reshape(-1))
        bar.update(step)
    if not labels:
        raise ValueError("The dataset is empty: nothing to evaluate.")
    labels = np.concatenate(labels).astype(np.int64)
    probs = {n: np.concatenate(parts[n]) for n in sizes}
    results = {n: metrics.summary(probs[n], labels, num_bins, ece_binning) for n in sizes}
    return results, probs, labels


def numpy_batches(dataset):
    """Batches as NumPy: a `tf.data.Dataset` through `as_numpy_iterator`, else as iterated."""
    if hasattr(dataset, "as_numpy_iterator"):
        yield from dataset.as_numpy_iterator()
    else:
        yield from dataset


def format_table(results: dict[int, dict[str, float]]) -> str:
    """A fixed-width text table: one row per ensemble size."""
    keys = list(next(iter(results.values())))
    header = f"{'N':>4} " + " ".join(f"{k:>13}" for k in keys)
    rows = [f"{n:>4} " + " ".join(f"{v[k]:>13.4f}" for k in keys) for n, v in results.items()]
    return "\n".join([header] + rows)


def write_outputs(results, probs, labels, output_dir: str, config: dict, title: str) -> dict:
    """Writes the `OUTPUT_FILES`: results.csv, results.json, reliability.png, ensemble_size.png.

    Returns:
        The paths written, by kind.
    """
    os.makedirs(output_dir, exist_ok=True)
    paths = {name: os.path.join(output_dir, name) for name in OUTPUT_FILES}
    keys = list(next(iter(results.values())))
    with open(paths["results.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ensemble_size"] + keys)
        for n, values in results.items():
            writer.writerow([n] + [values[k] for k in keys])
    write_json(paths["results.json"],
               {"config": config, "results": {str(n): v for n, v in results.items()}})
    largest = max(results)
    plots.reliability_diagram(probs[largest], labels, title=f"{title}, N={largest}",
                              path=paths["reliability.png"])
    plots.ensemble_size_curves({title: {n: v["nll"] for n, v in results.items()}},
                               path=paths["ensemble_size.png"])
    return paths
