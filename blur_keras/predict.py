"""Monte Carlo prediction: `predict_proba` and deep `Ensemble`s.

`predict_proba(model, x, num_samples=N)` returns the predictive mean
`mean_n softmax(f_n(x))` of N stochastic forward passes, computed in log
space (`logsumexp` of log-softmaxes) so that tiny probabilities survive.
It is fast:

- the deterministic prefix of a functional model (every layer that does
  not depend on a Monte Carlo layer) runs once per input; only the
  stochastic suffix runs N times;
- the N samples of the suffix run as one batch, in one compiled call
  (prefix, then its features tiled N times, then the suffix; chunks of at
  most `max_rows` rows), when every Monte Carlo layer draws independent
  samples for the rows of a batch (MC dropout, Flipout); otherwise
  (reparameterization layers share one weight sample per call) the prefix
  runs once and the suffix N times.

Models that output probabilities (a final softmax activation or `Softmax`
layer, e.g. a user's `.keras` file) are recognised and not softmaxed again:
`outputs="auto"` (the default) decides once per model, says so in a log line
(`infer_outputs` gives the decision and its reason), and `outputs="logits"` or
`"probabilities"` overrides it.
"""

from __future__ import annotations

import logging
import math
import weakref
from typing import Any, Sequence

import numpy as np
import keras
from keras import ops

from blur_keras.layers import monte_carlo_layers
from blur_keras.metrics import row_sum_tolerance

METHODS = ("auto", "fast", "naive")
#: What a model's outputs are: decided from the model (`"auto"`) or given.
OUTPUTS = ("auto", "logits", "probabilities")

_LOG = logging.getLogger(__name__)


class _RepeatBatch(keras.layers.Layer):
    """Tiles a batch `times` times along axis 0 (internal; never saved)."""

    def __init__(self, times: int, **kwargs):
        super().__init__(**kwargs)
        self.times = times

    def call(self, inputs):
        return ops.tile(inputs, [self.times] + [1] * (len(inputs.shape) - 1))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] * self.times
        return (batch,) + tuple(input_shape[1:])


def _graph(model):
    graph = getattr(model, "_functional", None) if isinstance(model, keras.Sequential) else model
    return graph if hasattr(graph, "_nodes_by_depth") else None


def _boundary_tensors(graph) -> list | None:
    """Tensors where the deterministic prefix of `graph` hands over to the stochastic suffix."""
    tainted: set[int] = set()
    boundary: dict[int, Any] = {}
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        for node in graph._nodes_by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            operation = node.operation
            stochastic = any(layer.mc_active for layer in monte_carlo_layers(operation)) \
                if isinstance(operation, keras.layers.Layer) else False
            if stochastic or any(id(t) in tainted for t in node.input_tensors):
                for tensor in node.input_tensors:
                    if id(tensor) not in tainted:
                        boundary.setdefault(id(tensor), tensor)
                tainted.update(id(t) for t in node.outputs)
    return list(boundary.values()) if tainted else None


class _MonteCarloPlan:
    """How to sample one model: prefix, suffix and tiled fast models (cached)."""

    def __init__(self, model: keras.Model, max_rows: int):
        active = [layer for layer in monte_carlo_layers(model) if layer.mc_active]
        self.model = model
        self.stochastic = bool(active)
        self.tileable = all(layer.batch_independent_samples for layer in active)
        self.max_rows = max_rows
        graph = _graph(model) if self.stochastic else None
        self.boundary = _boundary_tensors(graph) if graph is not None else None
        self.inputs = graph.inputs if graph is not None else None
        self.prefix, self.suffix = None, model
        if self.boundary is not None:
            self.suffix = keras.Model(self.boundary, graph.outputs)
            if not all(any(t is i for i in graph.inputs) for t in self.boundary):
                self.prefix = keras.Model(graph.inputs, self.boundary)
        self._tiled: dict[int, keras.Model] = {}

    def _tiled_model(self, times: int, x) -> keras.Model:
        """prefix -> features tiled `times` times -> suffix, as one compiled model."""
        if times not in self._tiled:
            if self.boundary is not None:
                tiled = [_RepeatBatch(times)(tensor) for tensor in self.boundary]
                outputs = self.suffix(tiled if len(tiled) > 1 else tiled[0])
                self._tiled[times] = keras.Model(self.inputs, outputs)
            else:  # not a functional graph: tile the input of the whole model
                inputs = keras.Input(batch_shape=(None,) + tuple(np.shape(x)[1:]),
                                     dtype=str(np.asarray(x).dtype))
                self._tiled[times] = keras.Model(inputs, self.model(_RepeatBatch(times)(inputs)))
        return self._tiled[times]

    def sample_logits(self, x, num_samples: int, method: str) -> np.ndarray:
        """`(num_samples, batch, classes)` outputs for one batch `x`."""
        if not self.stochastic or num_samples == 1:
            return np.asarray(self.model.predict_on_batch(x))[None]
        if method == "naive":
            return np.stack([np.asarray(self.model.predict_on_batch(x))
                             for _ in range(num_samples)])
        batch = len(x)
        per_call = max(1, min(num_samples, self.max_rows // max(batch, 1)))
        if not self.tileable or per_call == 1:
            # Large batches gain nothing from tiling: run the prefix once and
            # the suffix once per sample.
            features = x if self.prefix is None else self.prefix.predict_on_batch(x)
            # Converted once, so the N suffix calls do not copy the features again.
            features = keras.tree.map_structure(ops.convert_to_tensor, features)
            return np.stack([np.asarray(self.suffix.predict_on_batch(features))
                             for _ in range(num_samples)])
        chunks, done = [], 0
        while done < num_samples:
            times = min(per_call, num_samples - done)
            out = np.asarray(self._tiled_model(times, x).predict_on_batch(x))
            chunks.append(out.reshape((times, batch) + out.shape[1:]))
            done += times
        return np.concatenate(chunks)


_PLANS: "weakref.WeakKeyDictionary[keras.Model, dict]" = weakref.WeakKeyDictionary()


def _plan(model: keras.Model, max_rows: int) -> _MonteCarloPlan:
    state = (max_rows,) + tuple(layer.mc_active for layer in monte_carlo_layers(model))
    cached = _PLANS.get(model)
    if cached is None or cached["state"] != state:
        cached = {"state": state, "plan": _MonteCarloPlan(model, max_rows)}
        _PLANS[model] = cached
    return cached["plan"]


def _output_operation(model):
    """The operation that makes the (first) output of a functional/Sequential model, or None."""
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if not outputs:
        return None
    history = getattr(outputs[0], "_keras_history", None)
    return getattr(history, "operation", None)


def _final_softmax(model) -> bool:
    """Whether the last operation of `model` is a softmax (layer, activation or `ops.softmax`)."""
    operation = _output_operation(model)
    if isinstance(operation, keras.Model):
        return _final_softmax(operation)
    return type(operation).__name__ == "Softmax" \
        or getattr(operation, "activation", None) is keras.activations.softmax


def _are_probability_rows(outputs: np.ndarray) -> bool:
    outputs = np.asarray(outputs)
    values = outputs.astype(np.float64)
    return bool(np.all(np.isfinite(values)) and values.min() >= 0 and np.all(
        np.abs(values.sum(axis=-1) - 1.0) <= row_sum_tolerance(outputs.dtype)))


def _decide(model: keras.Model, first=None) -> tuple[str, str]:
    """The rule of `infer_outputs`, on the model's outputs `first` for a first batch (or None)."""
    if _final_softmax(model):
        return "probabilities", "its last layer applies a softmax"
    if first is None:
        return "logits", "no final softmax"
    if _are_probability_rows(first):
        return "probabilities", "its outputs on a first batch are non-negative and sum to 1"
    return "logits", "no final softmax, and its outputs on a first batch are not probabilities"


def infer_outputs(model: keras.Model, x=None) -> tuple[str, str]:
    """Whether `model` outputs logits or probabilities, and why.

    A model whose last layer applies a softmax (a `Softmax` layer, a
    `softmax` activation, `keras.ops.softmax`) outputs probabilities. For other
    models (e.g. subclassed ones), `x` (a batch of inputs; the first 16 rows
    are used) decides: outputs that are non-negative rows summing to 1 are
    probabilities. Otherwise: logits. `predict_proba(outputs="auto")` applies
    the same rule to its first batch.

    Args:
        model: a Keras model.
        x: optional batch of model inputs.

    Returns:
        `("logits" | "probabilities", reason)`.

    Example:

    >>> infer_outputs(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "softmax")]))
    ('probabilities', 'its last layer applies a softmax')
    """
    if x is None or _final_softmax(model):
        return _decide(model)
    return _decide(model, np.asarray(model.predict_on_batch(x[:16])))


_OUTPUT_KINDS: "weakref.WeakKeyDictionary[keras.Model, str]" = weakref.WeakKeyDictionary()


def _resolve_outputs(model: keras.Model, outputs: str, first: np.ndarray) -> str:
    """`outputs`, or for `"auto"` the kind decided for `model` (once, and logged)."""
    if outputs != "auto":
        return outputs
    if model not in _OUTPUT_KINDS:
        kind, reason = _decide(model, first)
        _LOG.log(logging.WARNING if kind == "probabilities" else logging.INFO,
                 "predict_proba: %s outputs %s (%s); pass outputs='%s' if not.", model.name,
                 kind, reason, "logits" if kind == "probabilities" else "probabilities")
        _OUTPUT_KINDS[model] = kind
    return _OUTPUT_KINDS[model]


def _log_probs(outputs: np.ndarray, kind: str) -> np.ndarray:
    outputs = outputs.astype(np.float64)
    if kind == "probabilities":
        with np.errstate(divide="ignore"):
            return np.log(outputs)
    shifted = outputs - outputs.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def expected_input_shape(model: keras.Model) -> tuple | None:
    """The shape of one input example `model` takes (`None` for a free axis), or None if unknown.

    Functional and Sequential models with one input know it; an `Ensemble`
    takes its members' shape; other models (subclassed, several inputs) are
    not checked.

    Example:

    >>> expected_input_shape(blur_keras.zoo.load("resnet_mcdo_18.fmnist_w16"))
    (28, 28, 1)
    """
    if isinstance(model, Ensemble):
        return model.expected_input_shape
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape[1:])


def _check_input(model: keras.Model, expected: tuple | None, batch) -> None:
    """Refuses a batch whose example shape does not fit `expected`, saying both."""
    received = tuple(np.shape(batch))
    if expected is None or (len(received) == len(expected) + 1 and all(
            want is None or want == got for want, got in zip(expected, received[1:]))):
        return
    wanted = "(examples, " + ", ".join("any" if d is None else str(d) for d in expected) + ")"
    hint = ""
    if len(received) == len(expected) and received[1:] == tuple(expected[:-1]) \
            and expected[-1] == 1:
        hint = " The channel axis is missing: pass x[..., None]."
    raise ValueError(f"predict_proba: {model.name} takes inputs of shape {wanted}; received "
                     f"a batch of shape {received}.{hint}")


def _batches(x, batch_size: int):
    if hasattr(x, "as_numpy_iterator"):   # a tf.data.Dataset (without importing TensorFlow)
        for batch in x.as_numpy_iterator():
            yield batch[0] if isinstance(batch, tuple) else batch
        return
    x = np.asarray(x)
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size]


def predict_proba(model: keras.Model, x, num_samples: int = 1, batch_size: int = 128, *,
                  outputs: str = "auto", return_samples: bool = False,
                  method: str = "auto", max_rows: int = 256):
    """Predictive mean probabilities of N Monte Carlo samples.

    Args:
        model: a Keras model; MC dropout / variational layers make it
            stochastic. Deterministic models are run once whatever `num_samples`.
        x: inputs as an array `(examples, ...)` or a `tf.data.Dataset` of
            batches (`x` or `(x, y)`; `batch_size` is then ignored).
        num_samples: N, forward passes to average (>= 1).
        batch_size: examples per batch for array inputs.
        outputs: `"logits"` (every registry model), `"probabilities"`, or
            `"auto"` (default): decided once per model by `infer_outputs`'s
            rule on the first batch, and logged (a warning for probabilities).
        return_samples: also return the per-sample probabilities.
        method: `"auto"`/`"fast"` (deterministic prefix once, samples batched)
            or `"naive"` (N full forward passes; for reference and benchmarks).
        max_rows: most rows (samples x examples) sent through the stochastic
            suffix in one call; bounds memory.

    Returns:
        float32 probabilities `(examples, classes)`; with `return_samples`,
        also `(num_samples, examples, classes)` per-sample probabilities.

    Raises:
        ValueError: bad arguments, or inputs whose shape does not fit the
            model's input (`expected_input_shape`), checked before any call.

    Example:

    >>> model = blur_keras.models.get("resnet_mcdo_smoothing_18")
    >>> probs = predict_proba(model, images, num_samples=10)
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer; received {num_samples!r}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}: expected one of {METHODS}.")
    if not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(f"max_rows must be a positive integer; received {max_rows!r}.")
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be one of {OUTPUTS}; received {outputs!r}.")
    expected = expected_input_shape(model)
    plan = _plan(model, max_rows)
    means, samples = [], []
    for batch in _batches(x, batch_size):
        _check_input(model, expected, batch)
        raw = plan.sample_logits(batch, num_samples, method)
        outputs = _resolve_outputs(model, outputs, raw[0])
        log_probs = _log_probs(raw, outputs)
        if log_probs.shape[0] == 1 and num_samples > 1:  # deterministic: all samples equal
            log_probs = np.repeat(log_probs, num_samples, axis=0)
        peak = log_probs.max(axis=0)
        peak[np.isneginf(peak)] = 0.0      # a class with probability 0 in every sample
        mean = np.exp(peak) * np.exp(log_probs - peak).mean(axis=0)
        means.append(mean.astype(np.float32))
        if return_samples:
            samples.append(np.exp(log_probs).astype(np.float32))
    if not means:
        raise ValueError("predict_proba received no examples: x is empty.")
    probs = np.concatenate(means)
    return (probs, np.concatenate(samples, axis=1)) if return_samples else probs


@keras.saving.register_keras_serializable(package="blur_keras")
class Ensemble(keras.Model):
    """Deep ensemble: predicts the mean of its members' probabilities.

    The output is `log(mean_m softmax(member_m(x)))`, a valid logit vector
    (its softmax is the mean probability), so an `Ensemble` works wherever a
    registry model does: `predict_proba`, the metrics, `evaluate`, saving.

    Args:
        members: Keras models with the same input and number of classes.
        from_logits: whether the members output logits or probabilities; None
            (default): per member, probabilities when its last layer applies
            a softmax (see `infer_outputs`), else logits.
        **kwargs: base `keras.Model` arguments (`name`).

    Returns:
        Log mean probabilities `(batch, classes)`, float32.

    Example:

    >>> ensemble = Ensemble([models.get("resnet_dnn_smoothing_18") for _ in range(5)])
    >>> probs = predict_proba(ensemble, images)
    """

    def __init__(self, members: Sequence[keras.Model], from_logits: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        members = list(members)
        if not members or not all(isinstance(m, keras.Model) for m in members):
            raise ValueError(f"Ensemble needs a non-empty list of keras.Model members; "
                             f"received {members!r}.")
        shapes = {tuple(m.output_shape[1:]) for m in members if hasattr(m, "output_shape")}
        if len(shapes) > 1:
            raise ValueError(f"Ensemble members disagree on the output shape: {sorted(shapes)}.")
        inputs = {expected_input_shape(m) for m in members} - {None}
        if len(inputs) > 1:
            raise ValueError(f"Ensemble members disagree on the input shape: "
                             f"{sorted(inputs, key=str)}.")
        #: The members' input shape (one example), None if no member knows it.
        self.expected_input_shape = inputs.pop() if inputs else None
        self.members = members
        self.from_logits = from_logits
        self._member_logits = [not _final_softmax(m) if from_logits is None else from_logits
                               for m in members]

    def build(self, input_shape):
        for member in self.members:
            if not member.built:
                member.build(input_shape)
        self.built = True

    def call(self, inputs, training=None):
        outputs = []
        for member, logits in zip(self.members, self._member_logits):
            y = ops.cast(member(inputs, training=training), "float32")
            outputs.append(ops.log_softmax(y, axis=-1) if logits
                           else ops.log(ops.maximum(y, 1e-38)))
        stacked = ops.stack(outputs, axis=0)
        return ops.logsumexp(stacked, axis=0) - math.log(len(self.members))

    def compute_output_shape(self, input_shape):
        return self.members[0].compute_output_shape(input_shape)

    def get_config(self):
        return {"name": self.name, "from_logits": self.from_logits,
                "members": [keras.saving.serialize_keras_object(m) for m in self.members]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        members = [keras.saving.deserialize_keras_object(m) for m in config.pop("members")]
        return cls(members, **config)
