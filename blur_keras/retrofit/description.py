"""`describe`: where a model smooths and drops out, read back from its graph."""

from __future__ import annotations

import keras

from blur_keras.layers import MCDropout, SpatialSmoothing
from blur_keras.retrofit.graph import Tensor, flatten
from blur_keras.retrofit.smoothing_sites import smoothing_sites

SMOOTHING_FIELDS = ("prob", "temperature", "kernel", "padding", "pad_mode")


def _source_name(tensor: Tensor) -> str:
    if tensor.producer is None:
        return tensor.keras_tensor._keras_history.operation.name
    return tensor.producer.name


def describe(model: keras.Model) -> list[dict]:
    """Every `SpatialSmoothing` and `MCDropout` layer of a model: what it is and where.

    The record of a retrofit is the model itself: its config holds every
    inserted layer with its arguments and the layers it sits between, so
    this reads the same from the model `retrofit` returned and from its
    `.keras` file loaded back. `retrofit` names the layers it inserts
    `<after>_smoothing` and `<after>_mc_dropout`; models built with
    smoothing or MC dropout are described the same way.

    Args:
        model: a functional or Sequential `keras.Model`.

    Returns:
        One dict per layer, in graph order: `layer` (name), `kind`
        (`"smoothing"` or `"mc_dropout"`), `after` (the layer whose output it
        reads), `before` (the layers that read it), `input_shape` (without
        the batch axis), then for smoothing `stage` (1-based, as `retrofit`'s
        `stages` counts them; None when no layer after it subsamples) and its
        `prob`, `temperature`, `kernel`, `padding`, `pad_mode`; for MC
        dropout its `rate` and `seed`.

    Raises:
        RetrofitError: a model whose graph cannot be read (e.g. subclassed).

    Example:

    >>> for entry in describe(retrofit(model)):
    ...     print(entry["stage"], entry["after"], "->", entry["before"])
    """
    graph = flatten(model)
    stages = {id(site.tensor): site.stage for site in smoothing_sites(graph)}
    entries = []
    for node in graph.nodes:
        layer = node.operation
        if not isinstance(layer, (SpatialSmoothing, MCDropout)):
            continue
        source, output = node.inputs[0], node.outputs[0]
        entry = {"layer": layer.name,
                 "kind": "smoothing" if isinstance(layer, SpatialSmoothing) else "mc_dropout",
                 "after": _source_name(source),
                 "before": [consumer.name for consumer in output.consumers],
                 "input_shape": list(source.shape[1:])}
        if isinstance(layer, SpatialSmoothing):
            config = layer.get_config()
            entry["stage"] = stages.get(id(output))
            entry.update({key: config[key] for key in SMOOTHING_FIELDS})
        else:
            entry.update(rate=float(layer.rate), seed=layer.seed)
        entries.append(entry)
    return entries
