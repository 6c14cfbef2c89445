"""Uncertainty metrics of the paper: numpy functions and streaming Keras metrics.

The numpy functions take predictive probabilities `(examples, classes)` and
integer labels `(examples,)` (e.g. the output of `predict_proba`). The
streaming `keras.metrics.Metric` classes take labels and logits (or
probabilities with `from_logits=False`), accumulate in variables that sum
across replicas, and so work in `model.fit`/`model.evaluate` and under
`tf.distribute`.

Definitions (Park & Kim 2022, after Guo et al. 2017):
- NLL: mean of `-log p[label]`; a zero probability is floored at the
  smallest positive float64 (2.2e-308), so NLL stays finite (<= 708.4).
- ECE: `sum_b |acc_b - conf_b| * n_b / n` over `num_bins` equal-width
  confidence bins `(lo, hi]` (confidence = max probability, computed in
  float32 against float32 bin edges); signed ECE: `sum_b (conf_b - acc_b) * n_b / n`.
- Brier: mean over examples of `sum_c (onehot_c - p_c)^2`.
- Cutoff metrics: Acc-90 = accuracy where confidence > 0.9, Unc-90 =
  P(confidence <= 0.9 | wrong), Freq-90 = P(confidence > 0.9); NaN when the
  conditioning set is empty.
"""

from __future__ import annotations

import numpy as np
import keras
from keras import ops

_TINY = np.finfo(np.float64).tiny


def _checked(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels)
    if probs.ndim != 2:
        raise ValueError(f"probs must have shape (examples, classes); received {probs.shape}.")
    if labels.ndim != 1 or len(labels) != len(probs):
        raise ValueError(f"labels must have shape ({len(probs)},) to match probs; "
                         f"received {labels.shape}.")
    if len(probs) == 0:
        raise ValueError("The metrics need at least one example; received none.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers; received dtype {labels.dtype}.")
    if labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"labels must be in [0, {probs.shape[1]}); received values in "
                         f"[{labels.min()}, {labels.max()}].")
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or probs.max() > 1 + 1e-6:
        raise ValueError("probs must be finite probabilities in [0, 1] (did you pass logits? "
                         "use predict_proba or a softmax).")
    return probs, labels


def nll(probs, labels) -> float:
    """Mean negative log-likelihood of the labels."""
    probs, labels = _checked(probs, labels)
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(labels)), labels], _TINY))))


def accuracy(probs, labels) -> float:
    """Fraction of examples whose most probable class is the label."""
    probs, labels = _checked(probs, labels)
    return float(np.mean(probs.argmax(axis=1) == labels))


def top_k_accuracy(probs, labels, k: int = 5) -> float:
    """Fraction of examples whose label is among the `k` most probable classes."""
    probs, labels = _checked(probs, labels)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= probs.shape[1]:
        raise ValueError(f"k must be an integer in [1, {probs.shape[1]}]; received {k!r}.")
    top = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


def brier(probs, labels) -> float:
    """Mean over examples of the squared error to the one-hot label, summed over classes."""
    probs, labels = _checked(probs, labels)
    onehot = np.eye(probs.shape[1])[labels]
    return float(np.mean(np.sum((onehot - probs) ** 2, axis=1)))


def bin_edges(num_bins: int) -> np.ndarray:
    """float32 edges of `num_bins` equal-width confidence bins on [0, 1]."""
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
        raise ValueError(f"num_bins must be a positive integer; received {num_bins!r}.")
    return np.linspace(0.0, 1.0, num_bins + 1, dtype=np.float32)


def calibration_bins(probs, labels, num_bins: int = 10) -> dict[str, np.ndarray]:
    """Per-bin counts, mean confidence and accuracy (bins `(lo, hi]`; empty bins: NaN).

    Returns:
        A dict with `edges` (num_bins + 1,), `count`, `confidence` and
        `accuracy` (num_bins,).
    """
    probs, labels = _checked(probs, labels)
    edges = bin_edges(num_bins)
    confidence = probs.max(axis=1).astype(np.float32)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    index = np.searchsorted(edges[1:-1], confidence, side="left")
    count = np.bincount(index, minlength=num_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(index, confidence.astype(np.float64), num_bins) / count
        acc = np.bincount(index, correct, num_bins) / count
    return {"edges": edges, "count": count, "confidence": conf, "accuracy": acc}


def signed_ece(probs, labels, num_bins: int = 10) -> float:
    """Signed ECE: `sum_b (conf_b - acc_b) * n_b / n` (> 0: overconfident)."""
    bins = calibration_bins(probs, labels, num_bins)
    filled = bins["count"] > 0
    weights = bins["count"][filled] / bins["count"].sum()
    return float(np.sum((bins["confidence"][filled] - bins["accuracy"][filled]) * weights))


def ece(probs, labels, num_bins: int = 10) -> float:
    """Expected calibration error with `num_bins` equal-width bins (10 by default)."""
    bins = calibration_bins(probs, labels, num_bins)
    filled = bins["count"] > 0
    weights = bins["count"][filled] / bins["count"].sum()
    return float(np.sum(np.abs(bins["confidence"][filled] - bins["accuracy"][filled]) * weights))


def cutoff_metrics(probs, labels, cutoff: float = 0.9) -> dict[str, float]:
    """Acc-90, Unc-90 and Freq-90 (for `cutoff=0.9`).

    Returns:
        `{"acc": accuracy where confidence > cutoff, "unc": P(confidence <=
        cutoff | wrong), "freq": P(confidence > cutoff)}`; NaN where the
        conditioning set is empty.
    """
    probs, labels = _checked(probs, labels)
    if not 0 <= cutoff <= 1:
        raise ValueError(f"cutoff must be in [0, 1]; received {cutoff!r}.")
    confident = probs.max(axis=1) > cutoff
    correct = probs.argmax(axis=1) == labels
    wrong = ~correct
    return {
        "acc": float(correct[confident].mean()) if confident.any() else float("nan"),
        "unc": float((~confident[wrong]).mean()) if wrong.any() else float("nan"),
        "freq": float(confident.mean()),
    }


def summary(probs, labels, num_bins: int = 10) -> dict[str, float]:
    """Every metric above in one dict (accuracy, top-5 where defined, NLL, ECE, ...)."""
    probs = np.asarray(probs)
    result = {"nll": nll(probs, labels), "accuracy": accuracy(probs, labels),
              "brier": brier(probs, labels), "ece": ece(probs, labels, num_bins),
              "signed_ece": signed_ece(probs, labels, num_bins)}
    if probs.shape[1] > 5:
        result["top5_accuracy"] = top_k_accuracy(probs, labels, 5)
    result.update({f"{k}90": v for k, v in cutoff_metrics(probs, labels).items()})
    return result


# Streaming metrics ---------------------------------------------------------------------


def _log_probs(y_pred, from_logits: bool):
    y_pred = ops.cast(y_pred, "float32")
    if from_logits:
        return ops.log_softmax(y_pred, axis=-1)
    return ops.log(ops.maximum(y_pred, np.finfo(np.float32).tiny))


def _labels(y_true):
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) > 1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    return ops.cast(y_true, "int32")


def _example_weights(sample_weight, like):
    if sample_weight is None:
        return ops.ones_like(like)
    return ops.reshape(ops.cast(sample_weight, "float32"), ops.shape(like))


@keras.saving.register_keras_serializable(package="blur_keras")
class NegativeLogLikelihood(keras.metrics.Metric):
    """Streaming mean NLL of integer labels under logits (or probabilities).

    Args:
        from_logits: `y_pred` are logits (default) or probabilities.
        name: metric name.
        **kwargs: base `keras.metrics.Metric` arguments.

    Example:

    >>> model.compile(..., metrics=[NegativeLogLikelihood(), ExpectedCalibrationError()])
    """

    def __init__(self, from_logits: bool = True, name: str = "nll", **kwargs):
        super().__init__(name=name, **kwargs)
        self.from_logits = from_logits
        self.total = self.add_variable((), "zeros", "float32", name="total")
        self.count = self.add_variable((), "zeros", "float32", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        log_probs = _log_probs(y_pred, self.from_logits)
        picked = ops.take_along_axis(log_probs, ops.expand_dims(_labels(y_true), -1), axis=-1)
        losses = -ops.squeeze(picked, -1)
        weights = _example_weights(sample_weight, losses)
        self.total.assign_add(ops.sum(losses * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


@keras.saving.register_keras_serializable(package="blur_keras")
class ExpectedCalibrationError(keras.metrics.Metric):
    """Streaming ECE with `num_bins` equal-width confidence bins (same bins as `ece`).

    Args:
        num_bins: number of bins (10 by default).
        from_logits: `y_pred` are logits (default) or probabilities.
        signed: report the signed ECE instead.
        name: metric name.
        **kwargs: base `keras.metrics.Metric` arguments.
    """

    def __init__(self, num_bins: int = 10, from_logits: bool = True, signed: bool = False,
                 name: str = "ece", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_bins = num_bins
        self.inner_edges = bin_edges(num_bins)[1:-1]
        self.from_logits = from_logits
        self.signed = signed
        self.counts = self.add_variable((num_bins,), "zeros", "float32", name="counts")
        self.confidence_sums = self.add_variable((num_bins,), "zeros", "float32",
                                                 name="confidence_sums")
        self.correct_sums = self.add_variable((num_bins,), "zeros", "float32",
                                              name="correct_sums")

    def update_state(self, y_true, y_pred, sample_weight=None):
        probs = ops.exp(_log_probs(y_pred, self.from_logits))
        confidence = ops.max(probs, axis=-1)
        correct = ops.cast(ops.equal(ops.cast(ops.argmax(probs, axis=-1), "int32"),
                                     _labels(y_true)), "float32")
        weights = _example_weights(sample_weight, confidence)
        index = ops.searchsorted(ops.convert_to_tensor(self.inner_edges), confidence, side="left")
        onehot = ops.one_hot(index, self.num_bins) * weights[:, None]
        self.counts.assign_add(ops.sum(onehot, axis=0))
        self.confidence_sums.assign_add(ops.sum(onehot * confidence[:, None], axis=0))
        self.correct_sums.assign_add(ops.sum(onehot * correct[:, None], axis=0))

    def result(self):
        gap = self.confidence_sums - self.correct_sums
        total = ops.sum(self.counts)
        return ops.divide_no_nan(ops.sum(gap if self.signed else ops.abs(gap)), total)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins,
                "from_logits": self.from_logits, "signed": self.signed}


@keras.saving.register_keras_serializable(package="blur_keras")
class BrierScore(keras.metrics.Metric):
    """Streaming Brier score (mean over examples of the summed squared error).

    Args:
        from_logits: `y_pred` are logits (default) or probabilities.
        name: metric name.
        **kwargs: base `keras.metrics.Metric` arguments.
    """

    def __init__(self, from_logits: bool = True, name: str = "brier", **kwargs):
        super().__init__(name=name, **kwargs)
        self.from_logits = from_logits
        self.total = self.add_variable((), "zeros", "float32", name="total")
        self.count = self.add_variable((), "zeros", "float32", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        probs = ops.exp(_log_probs(y_pred, self.from_logits))
        onehot = ops.one_hot(_labels(y_true), ops.shape(probs)[-1])
        scores = ops.sum(ops.square(onehot - probs), axis=-1)
        weights = _example_weights(sample_weight, scores)
        self.total.assign_add(ops.sum(scores * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}
