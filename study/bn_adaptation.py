"""The batch-norm experiment: is the ResNets' loss to AlexNet under some corruptions the batch-norm
statistics, fixed on clean training images?

For each corruption and severity, the first `bn_images` corrupted test images (the first
batches of the `corruptions` evaluation, the same pixels) are predicted twice: with the
trained statistics ("fixed"), and with every batch-norm layer normalising with the statistics of
those images themselves ("adapted": one forward pass in training mode over all of them, the
covariate-shift adaptation of Schneider et al., 2020). The trained statistics are restored
afterwards. A network without batch norm (the reference AlexNet) gives the same numbers twice:
its adapted pass is skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from study.context import Context
    from study.plan import Run


def batch_norm_layers(model) -> list:
    """Every `keras.layers.BatchNormalization` in `model`, nested ones included."""
    import keras
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, keras.layers.BatchNormalization)]


def adapted_logits(model, images: np.ndarray) -> np.ndarray:
    """The logits of `images` with batch norm normalising by the statistics of `images`.

    One call in training mode over all of them (batch-norm layers use the batch's mean and
    variance); the moving statistics that call updates are put back, so the model is unchanged.
    """
    layers = batch_norm_layers(model)
    saved = [(np.array(layer.moving_mean), np.array(layer.moving_variance)) for layer in layers]
    try:
        return np.asarray(model(images, training=True), np.float64)
    finally:
        for layer, (mean, variance) in zip(layers, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(variance)


def _scores(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    from scipy.special import softmax
    from blur_keras import metrics
    probs = softmax(logits, axis=-1)
    return {"error": 1.0 - metrics.accuracy(probs, labels), "nll": metrics.nll(probs, labels),
            "ece": metrics.ece(probs, labels)}


def _first_images(batches: list, count: int) -> tuple[np.ndarray, np.ndarray]:
    images = np.concatenate([np.asarray(x) for x, _ in batches])[:count]
    labels = np.concatenate([np.asarray(y) for _, y in batches])[:count]
    return images, labels.reshape(-1).astype(np.int64)


def bn_adaptation(model, run: Run, context: Context, output_dir: str) -> dict:
    """Error, NLL and ECE per corruption and severity with fixed and with adapted batch norm."""
    from blur_keras import corruptions as corruption_lib
    settings = context.settings
    has_batch_norm = bool(batch_norm_layers(model))
    table = {}
    for corruption in corruption_lib.names():
        table[corruption] = {}
        for severity in corruption_lib.SEVERITIES:
            images, labels = _first_images(
                context.first_corrupted(corruption, severity, settings.bn_images),
                settings.bn_images)
            fixed = _scores(np.asarray(model(images, training=False), np.float64), labels)
            adapted = _scores(adapted_logits(model, images), labels) if has_batch_norm \
                else dict(fixed)
            table[corruption][str(severity)] = {"fixed": fixed, "adapted": adapted}
    count = min(settings.bn_images, settings.corruption_images)
    return {"config": {"images": f"the first {count} corrupted test images of each corruption "
                                 f"and severity (the corruptions evaluation's first batches, "
                                 f"seed {settings.corruption_seed})",
                       "adapted": "one forward pass in training mode over all of them: every "
                                  "batch-norm layer normalises with their own statistics; the "
                                  "trained statistics restored afterwards",
                       "batch_norm_layers": len(batch_norm_layers(model)), "num_samples": 1,
                       "ece": "10 equal-width bins (binning 'consistent')"},
            "result": {"table": table}}
