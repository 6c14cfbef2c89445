"""`evaluate_consistency`: prediction consistency of a model along perturbation sequences."""

from __future__ import annotations

import numpy as np

from blur_keras.predict import predict_proba
from blur_keras.robustness.scores import consistency_metrics


def normalize_images(images: np.ndarray, normalization) -> np.ndarray:
    """float32 model inputs from uint8 or [0, 1] images and an optional `(mean, std)`."""
    images = np.asarray(images)
    x = images.astype(np.float32) / (255.0 if images.dtype == np.uint8 else 1.0)
    if normalization is None:
        return x
    mean, std = (np.asarray(v, np.float32) for v in normalization)
    return (x - mean) / std


def evaluate_consistency(model, sequences: np.ndarray, num_samples: int = 1,
                         batch_size: int = 128, flip_reference: str = "consecutive", *,
                         normalization=None, chunk: int = 256,
                         outputs: str = "auto") -> dict[str, float]:
    """`consistency_metrics` of a model's predictive distribution on image sequences.

    Args:
        model: a model that outputs logits or probabilities (see `outputs`).
        sequences: `(sequences, frames, height, width, channels)` images: model
            inputs, or uint8 / [0, 1] images with `normalization` (e.g. the
            memory-mapped `blur_keras.data.load_cifar10_p` arrays).
        num_samples: Monte Carlo samples per frame (see `predict_proba`).
        batch_size: frames per batch.
        flip_reference: see `consistency_metrics`.
        normalization: `(mean, std)` per channel applied to [0, 1] images
            (uint8 images are divided by 255 first); None: use them as they are.
        chunk: sequences converted and predicted at a time (bounds memory).
        outputs: `"auto"`, `"logits"` or `"probabilities"` (see `predict_proba`).

    Returns:
        `{"cons", "cec", "cross_entropy", "flip_rate"}` (see `consistency_metrics`).

    Example:

    >>> seqs = perturbations.sequences(images, "rotate", frames=10)
    >>> evaluate_consistency(model, seqs, normalization=(mean, std))
    """
    if getattr(sequences, "ndim", np.ndim(sequences)) != 5:
        raise ValueError(f"sequences must have shape (sequences, frames, height, width, "
                         f"channels); received {np.shape(sequences)}.")
    count, frames = sequences.shape[:2]
    probs = []
    for start in range(0, count, chunk):
        part = np.asarray(sequences[start:start + chunk])
        frames_in = normalize_images(part.reshape((-1,) + part.shape[2:]), normalization)
        probs.append(predict_proba(model, frames_in, num_samples=num_samples,
                                   batch_size=batch_size, outputs=outputs)
                     .reshape(len(part), frames, -1))
    return consistency_metrics(np.concatenate(probs), flip_reference)
