"""The model a run with `init_from` trains: the source loaded, checked, optionally retrofitted."""

from __future__ import annotations

import json
from typing import Any

import keras

from blur_keras import protocol
from blur_keras.training.initialization import InitSource, load_source, resolve_init
from blur_keras.training.retrofit_options import retrofit_arguments

#: Layer config keys that may differ between two builds of the same network.
_UNSHAPED = ("name", "seed", "dtype", "trainable")


def _layer_signature(layer: keras.layers.Layer) -> tuple:
    config = {key: value for key, value in layer.get_config().items() if key not in _UNSHAPED}
    return (type(layer).__name__, [tuple(weight.shape) for weight in layer.weights],
            repr(sorted(config.items())))


def check_same_network(source: keras.Model, expected: keras.Model, described: str) -> None:
    """Refuses `source` unless it is `expected` layer for layer (classes, weight shapes, configs).

    Raises:
        ValueError: one line naming the first layer that differs.
    """
    mine, theirs = source.layers, expected.layers
    for index, (a, b) in enumerate(zip(mine, theirs)):
        if _layer_signature(a) != _layer_signature(b):
            raise ValueError(
                f"init_from holds another network than {described}: its layer {index} "
                f"({a.name}, {type(a).__name__}) differs from the registry model's "
                f"({b.name}, {type(b).__name__}); pass the --model and --model_args it was "
                f"built with.")
    if len(mine) != len(theirs):
        raise ValueError(f"init_from holds another network than {described}: it has "
                         f"{len(mine)} layers, the registry model {len(theirs)}; pass the "
                         f"--model and --model_args it was built with.")


def initial_model(config: Any, source: InitSource | None = None) -> keras.Model:
    """The network a run with `config.init_from` starts from: the source, weights kept,
    retrofitted with `config.retrofit` when that is set.

    The source is checked against its record (`resolved()` does) or, a bare
    `.keras` file, against the registry model `config.model` with
    `config.model_args` builds; the retrofit's own refusals (a stage the
    model lacks, smoothing already there) come from `blur_keras.retrofit`.

    Args:
        config: a resolved `TrainConfig` with `init_from`.
        source: the resolved `init_from` (default: resolved here).

    Returns:
        The uncompiled `keras.Model` (built under the current dtype policy's
        scope, e.g. a strategy's).

    Raises:
        ValueError: the source is not the run's network, or cannot be retrofitted.
    """
    source = source or resolve_init(config.init_from)
    model = load_source(source)
    if source.record is None:
        expected = protocol.build_model(config.model_spec, config.dataset)
        check_same_network(model, expected,
                           f"{config.model} {json.dumps(config.model_args)}")
        del expected
    if config.retrofit is None:
        return model
    from blur_keras.retrofit import retrofit
    return retrofit(model, **retrofit_arguments(config.retrofit))
