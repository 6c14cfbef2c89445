"""Mechanism evaluations of version 2: the output's uncertainty and the loss landscape.

`predictive` measures at the logits what `variance` measures at the feature maps: how much the
prediction varies across MC samples (model uncertainty) and how uncertain each sample is (data
uncertainty). `landscape` is the paper's Fig. 7 for every MC dropout seed, summarised by how
much the NLL rises around the trained weights. The numbers come from the pure functions
`output_uncertainty` and `landscape_summary` (tested on known arrays).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from study.context import Context
    from study.plan import Run

_TINY = np.finfo(np.float64).tiny


def _entropy(probs: np.ndarray) -> np.ndarray:
    return -np.sum(probs * np.log(np.maximum(probs, _TINY)), axis=-1)


def output_uncertainty(samples: np.ndarray) -> dict[str, float]:
    """The uncertainty of the predictions from per-sample probabilities.

    Args:
        samples: `(samples, images, classes)` probabilities of MC samples of each image (one
            sample for a deterministic model).

    Returns:
        `{"predictive_variance": mean over images and classes of the variance of the
        probability across samples, "mutual_information": entropy of the mean minus the mean
        entropy (model uncertainty), "expected_entropy": the mean entropy of one sample (data
        uncertainty), "predictive_entropy": the entropy of the mean}`, each averaged over the
        images (nats).

    Example:

    >>> samples = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])    # two samples that disagree
    >>> round(output_uncertainty(samples)["mutual_information"], 4)    # log 2
    0.6931
    """
    probs = np.asarray(samples, np.float64)
    if probs.ndim != 3 or probs.shape[0] < 1:
        raise ValueError(f"samples must be (samples, images, classes) probabilities; got shape "
                         f"{probs.shape}")
    mean = probs.mean(axis=0)
    total = _entropy(mean)
    expected = _entropy(probs).mean(axis=0)
    return {"predictive_variance": float(probs.var(axis=0).mean()),
            "mutual_information": float(np.mean(np.maximum(total - expected, 0.0))),
            "expected_entropy": float(expected.mean()),
            "predictive_entropy": float(total.mean())}


def predictive(model, run: Run, context: Context, output_dir: str) -> dict:
    """Model and data uncertainty at the output (`output_uncertainty`) on the first
    `predictive_images` test images, `predictive_samples` MC samples each."""
    from blur_keras.evaluation import is_stochastic
    from blur_keras.predict import predict_proba
    settings = context.settings
    images = context.test_inputs(settings.predictive_images)
    samples = settings.predictive_samples if is_stochastic(model) else 1
    _, per_sample = predict_proba(model, images, samples, settings.eval_batch, outputs="logits",
                                  return_samples=True)
    return {"config": {"images": f"the first {settings.predictive_images} test images",
                       "samples": samples,
                       "measures": "predictive variance (of each class probability across "
                                   "samples), mutual information (model uncertainty), expected "
                                   "entropy (data uncertainty), predictive entropy; nats, mean "
                                   "over images"},
            "result": output_uncertainty(np.asarray(per_sample))}


def landscape_summary(losses: np.ndarray) -> dict[str, float]:
    """The centre, mean and edge of a square loss grid, and how much it rises from the centre.

    Args:
        losses: `(points, points)` NLL on a grid centred on the trained weights (odd size).

    Returns:
        `{"centre", "mean", "edge_mean" (the outer ring), "max", "rise": mean minus centre,
        "edge_rise": edge_mean minus centre}`.

    Example:

    >>> grid = np.add.outer(np.abs(np.arange(-1, 2)), np.abs(np.arange(-1, 2))).astype(float)
    >>> landscape_summary(grid)["edge_rise"]
    1.5
    """
    values = np.asarray(losses, np.float64)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] % 2 == 0:
        raise ValueError(f"losses must be a square grid of odd size (centred on the weights); "
                         f"got shape {values.shape}")
    middle = values.shape[0] // 2
    centre = float(values[middle, middle])
    ring = np.ones_like(values, dtype=bool)
    ring[1:-1, 1:-1] = values.shape[0] < 3
    edge = float(values[ring].mean())
    return {"centre": centre, "mean": float(values.mean()), "edge_mean": edge,
            "max": float(values.max()), "rise": float(values.mean()) - centre,
            "edge_rise": edge - centre}


def landscape(model, run: Run, context: Context, output_dir: str) -> dict:
    """The training NLL on a grid along two filter-normalised random directions (Fig. 7)."""
    from blur_keras import data
    from blur_keras.analysis import loss_landscape
    from study.context import training_split
    settings = context.settings
    grid = np.linspace(-settings.landscape_span, settings.landscape_span,
                       settings.landscape_points)
    batches = data.load(context.dataset, training_split(run), batch_size=settings.eval_batch,
                        training=True, seed=settings.eval_seed, subset=settings.landscape_images,
                        data_dir=context.data_dir, drop_remainder=False)
    losses = loss_landscape(model, batches, grid=grid, seed=settings.eval_seed)
    return {"config": {"images": f"the first {settings.landscape_images} images of "
                                 f"{training_split(run)} in the seed-{settings.eval_seed} "
                                 f"training order, with the training augmentation",
                       "grid": grid.tolist(), "directions": "filter-normalised Gaussian, seed "
                                                            f"{settings.eval_seed}; 1-D weights "
                                                            "fixed",
                       "samples": "one forward pass per point, the same dropout masks at "
                                  "every point"},
            "result": {"losses": losses.tolist(), **landscape_summary(losses)}}
