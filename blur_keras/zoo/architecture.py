"""A preset's architecture: the builder its card names, built from the registry with its weights.

A card records the architecture once, as keras-hub records a backbone's class and constructor
arguments: `"builder": {"kind": "registry", "name": "resnet_mcdo_18", "arguments": {...}}`, the
registry name and every argument it was built with (the dataset protocol's included). Nothing
else describes the graph, and no code is read from a file: the name must be registered.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping

import keras

from blur_keras import models
from blur_keras.zoo.files import CARD_FILE, WEIGHTS_FILE, PresetError

#: The one kind of builder a card names: a model of `blur_keras.models`' registry.
REGISTRY = "registry"


def registry_builder(spec: models.ModelSpec) -> dict:
    """The card's `builder` for a parsed registry model and every argument it is built with.

    Args:
        spec: e.g. `protocol.for_dataset(models.parse("resnet_dnn_18"), "fashion_mnist")`.

    Returns:
        `{"kind": "registry", "name": spec.name, "arguments": spec.arguments}`, as JSON values.

    Example:

    >>> registry_builder(models.parse("resnet_dnn_18").with_arguments(num_classes=10,
    ...                                                              input_shape=(28, 28, 1)))
    {'kind': 'registry', 'name': 'resnet_dnn_18', 'arguments': {'num_classes': 10, 'input_shape': [28, 28, 1]}}
    """
    return {"kind": REGISTRY, "name": spec.name,
            "arguments": json.loads(json.dumps(dict(spec.arguments)))}


def build_network(card: dict, weights: str, overrides: Mapping[str, Any] | None = None
                  ) -> keras.Model:
    """The bare network of a preset: its card's builder, then its weights.

    It takes standardised images (no `PixelStandardization` in front). No hash
    is checked here (`load` verifies first). Weights that fit only in part
    (Keras warns and keeps fresh values) are refused.

    Args:
        card: the preset's card.
        weights: its weights file.
        overrides: builder arguments that replace the card's (e.g. `mc_dropout=0.1`); the
            weights must still fit.

    Returns:
        The functional `keras.Model`, with the weights.

    Raises:
        PresetError: the builder does not build a model, or the weights do not fit it.
    """
    preset = card.get("name", os.path.basename(os.path.dirname(weights)))
    builder = card.get("builder")
    if not isinstance(builder, dict) or builder.get("kind") != REGISTRY \
            or not isinstance(builder.get("arguments"), dict):
        raise PresetError(f"Preset {preset}: its card's builder {builder!r} does not build a "
                          f"model (expected {{\"kind\": \"{REGISTRY}\", \"name\": ..., "
                          f"\"arguments\": {{...}}}}).")
    try:
        model = models.get(builder.get("name"), **{**builder["arguments"], **(overrides or {})})
    except Exception as error:     # an unknown name or argument fails in many ways
        raise PresetError(f"Preset {preset}: its card's builder does not build a model "
                          f"({type(error).__name__}: {error}).") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(weights)
        except Exception as error:    # shapes that do not fit raise several types
            raise PresetError(f"Preset {preset}: the weights do not fit the architecture: "
                              f"{error}") from None
    partial = [str(w.message) for w in caught if "retain their freshly-initialized" in
               str(w.message) or "Skipping" in str(w.message)]
    if partial:
        raise PresetError(f"Preset {preset}: the weights fit the architecture only in part "
                          f"({partial[0][:200]}).")
    return model


def build_from_directory(directory: str, weights: str | None = None) -> keras.Model:
    """The bare network of a preset directory, built from its card (not verified here).

    Args:
        directory: the preset directory.
        weights: the weights file (default: the directory's).

    Returns:
        The network (see `build_network`).

    Raises:
        PresetError: no card, or see `build_network`.
    """
    path = os.path.join(directory, CARD_FILE)
    try:
        with open(path) as f:
            card = json.load(f)
    except (OSError, ValueError) as error:
        raise PresetError(f"Preset {os.path.basename(os.path.normpath(directory))}: cannot read "
                          f"{CARD_FILE} ({error}).") from None
    return build_network(card, weights or os.path.join(directory, WEIGHTS_FILE))
