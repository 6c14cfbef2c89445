"""Uncertainty metrics of the paper: numpy functions and streaming Keras metrics.

The numpy functions take predictive probabilities `(examples, classes)` and
integer labels `(examples,)` (e.g. the output of `predict_proba`); rows that
are not probabilities (negative, or not summing to 1) are refused. The
streaming `keras.metrics.Metric` classes take labels and logits (or
probabilities with `from_logits=False`), accumulate in variables that sum
across replicas, and so work in `model.fit`/`model.evaluate` and under
`tf.distribute`.

Definitions (Park & Kim 2022, after Guo et al. 2017):
- NLL: mean of `-log p[label]`; a zero probability is floored at the
  smallest positive float64 (2.2e-308), so NLL stays finite (<= 708.4).
- ECE: `sum_b |acc_b - conf_b| * n_b / n` over `num_bins` equal-width
  confidence bins (confidence = max probability); signed ECE:
  `sum_b (conf_b - acc_b) * n_b / n`. Two binnings (`BINNINGS`):
  `"consistent"` (default): every statistic over the bins `(lo, hi]`,
  float32 confidences against float32 edges; `"reference"`: the paper's
  code (`ops/tests.py`): counts and accuracies over `(lo, hi]` but
  confidences summed over `[lo, hi)`, float32 confidences against float64
  edges, so a confidence exactly on an edge (0.5, or 1.0 with 10 bins) is
  counted in one bin and its confidence summed in the next (1.0: in none).
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
#: ECE binnings: see the module docstring.
BINNINGS = ("consistent", "reference")


def row_sum_tolerance(dtype) -> float:
    """Largest accepted `|sum of a probability row - 1|` for probabilities of `dtype`.

    1e-3, or 4 machine epsilons for 16-bit floats (float16: 0.0039,
    bfloat16: 0.031): a softmax computed in bfloat16 over 1000 classes
    sums to 1 within 0.021, in float16 within 0.002 (measured, TF on CPU).
    """
    dtype = np.dtype(dtype)
    if dtype.itemsize > 2 or dtype.kind in "biu":
        return 1e-3
    eps = 2.0 ** -7 if dtype.name == "bfloat16" else float(np.finfo(dtype).eps)
    return max(1e-3, 4.0 * eps)


def check_probabilities(probs, name: str = "probs") -> np.ndarray:
    """`probs` as float64 after checking that its last axis holds probability rows.

    Args:
        probs: array whose rows along the last axis should be probabilities.
        name: what to call it in the error message.

    Returns:
        The float64 array.

    Raises:
        ValueError: a row is not finite, has a negative entry, or does not sum
            to 1 within `row_sum_tolerance`; the message names the first one.
    """
    original = np.asarray(probs)
    probs = original.astype(np.float64)
    if probs.ndim < 1 or probs.shape[-1] == 0:
        raise ValueError(f"{name} must have a non-empty last axis of classes; received "
                         f"shape {probs.shape}.")
    tolerance = row_sum_tolerance(original.dtype)
    rows = probs.reshape(-1, probs.shape[-1])
    with np.errstate(invalid="ignore"):
        bad = ~np.all(np.isfinite(rows), axis=1) | np.any(rows < 0, axis=1) \
            | ~(np.abs(rows.sum(axis=1) - 1.0) <= tolerance)
    if bad.any():
        first = int(np.argmax(bad))
        index = np.unravel_index(first, probs.shape[:-1])
        where = index[0] if len(index) == 1 else tuple(int(i) for i in index)
        row = rows[first]
        shown = np.array2string(row[:10], precision=4, separator=", ") \
            + (f" ... ({len(row)} classes)" if len(row) > 10 else "")
        raise ValueError(
            f"{name} must hold probability rows (non-negative, summing to 1 within "
            f"{tolerance:g}); row {where} is {shown}, summing to {row.sum():.6g}. Did you "
            f"pass logits or scores? Use predict_proba or a softmax.")
    return probs


def _checked(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (examples, classes); received "
                         f"{np.shape(probs)}.")
    if labels.ndim != 1 or len(labels) != len(probs):
        raise ValueError(f"labels must have shape ({len(probs)},) to match probs; "
                         f"received {labels.shape}.")
    if len(probs) == 0:
        raise ValueError("The metrics need at least one example; received none.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers; received dtype {labels.dtype}.")
    probs = check_probabilities(probs)
    if labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"labels must be in [0, {probs.shape[1]}); received values in "
                         f"[{labels.min()}, {labels.max()}].")
    return probs, labels


def example_nll(probs, labels) -> np.ndarray:
    """The negative log-likelihood of each example's label (the terms `nll` averages).

    Args:
        probs: `(examples, classes)` probabilities.
        labels: `(examples,)` integer labels.

    Returns:
        `(examples,)` NLLs, in the dtype of `probs`.

    Example:

    >>> example_nll(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([0, 1])).round(4)
    array([0.6931, 0.1054])
    """
    probs, labels = _checked(probs, labels)
    return -np.log(np.maximum(probs[np.arange(len(labels)), labels], _TINY))


def nll(probs, labels) -> float:
    """Mean negative log-likelihood of the labels."""
    return float(np.mean(example_nll(probs, labels)))


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


def calibration_bins(probs, labels, num_bins: int = 10,
                     binning: str = "consistent") -> dict[str, np.ndarray]:
    """Per-bin counts, mean confidence and accuracy (empty bins: NaN).

    Args:
        probs: probabilities `(examples, classes)`.
        labels: integer labels `(examples,)`.
        num_bins: equal-width bins on [0, 1].
        binning: `"consistent"` (every statistic over `(lo, hi]`) or
            `"reference"` (the paper's code: confidences summed over
            `[lo, hi)`); see the module docstring.

    Returns:
        A dict with `edges` (num_bins + 1,), `count`, `confidence` and
        `accuracy` (num_bins,).

    Example:

    >>> calibration_bins([[0.5, 0.5], [0.75, 0.25]], [0, 0], num_bins=4)["count"]
    array([0., 1., 1., 0.])
    """
    if binning not in BINNINGS:
        raise ValueError(f"binning must be one of {BINNINGS}; received {binning!r}.")
    probs, labels = _checked(probs, labels)
    edges = bin_edges(num_bins)
    confidence = probs.max(axis=1).astype(np.float32)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    if binning == "consistent":
        index = np.searchsorted(edges[1:-1], confidence, side="left")
        summed, summed_index = confidence.astype(np.float64), index
    else:
        edges = np.linspace(0.0, 1.0, num_bins + 1)
        wide = confidence.astype(np.float64)
        index = np.searchsorted(edges[1:-1], wide, side="left")         # (lo, hi]
        lower = np.searchsorted(edges, wide, side="right") - 1          # [lo, hi)
        inside = lower < num_bins                                       # 1.0 is in no bin
        summed, summed_index = wide[inside], lower[inside]
    count = np.bincount(index, minlength=num_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(summed_index, summed, num_bins) / count
        acc = np.bincount(index, correct, num_bins) / count
    return {"edges": edges, "count": count, "confidence": conf, "accuracy": acc}


def signed_ece(probs, labels, num_bins: int = 10, binning: str = "consistent") -> float:
    """Signed ECE: `sum_b (conf_b - acc_b) * n_b / n` (> 0: overconfident).

    `binning`: `"consistent"` or `"reference"` (see `calibration_bins`).
    """
    bins = calibration_bins(probs, labels, num_bins, binning)
    filled = bins["count"] > 0
    weights = bins["count"][filled] / bins["count"].sum()
    return float(np.sum((bins["confidence"][filled] - bins["accuracy"][filled]) * weights))


def ece(probs, labels, num_bins: int = 10, binning: str = "consistent") -> float:
    """Expected calibration error with `num_bins` equal-width bins (10 by default).

    `binning`: `"consistent"` or `"reference"` (see `calibration_bins`).

    Example:

    >>> ece([[0.5, 0.5], [0.75, 0.25]], [0, 1], num_bins=4)
    0.625
    """
    bins = calibration_bins(probs, labels, num_bins, binning)
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


def summary(probs, labels, num_bins: int = 10, binning: str = "consistent") -> dict[str, float]:
    """Every metric above in one dict (accuracy, top-5 where defined, NLL, ECE, ...).

    `num_bins` and `binning` are those of `ece` and `signed_ece`.
    """
    probs = np.asarray(probs)
    result = {"nll": nll(probs, labels), "accuracy": accuracy(probs, labels),
              "brier": brier(probs, labels), "ece": ece(probs, labels, num_bins, binning),
              "signed_ece": signed_ece(probs, labels, num_bins, binning)}
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
    """Streaming ECE over `num_bins` equal-width bins (the `"consistent"` bins of `ece`).

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
