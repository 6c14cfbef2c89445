"""Metrics of a model at several ensemble sizes, from one pass of Monte Carlo samples."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import keras

from blur_keras import metrics
from blur_keras.evaluation.batches import numpy_batches
from blur_keras.layers import monte_carlo_layers
from blur_keras.predict import predict_proba

#: Default ensemble sizes (numbers of MC samples) of stochastic models.
STOCHASTIC_ENSEMBLE_SIZES = (1, 2, 3, 4, 5, 10, 20, 50)


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
