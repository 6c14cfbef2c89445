"""A preset's architecture: the builder its card names, built from the registry with its weights.

A card records the architecture once, as keras-hub records a backbone's class and constructor
arguments: `"builder": {"kind": "registry", "name": "resnet_mcdo_18", "arguments": {...}}`, the
registry name and every argument it was built with (the dataset protocol's included). A deep
ensemble's card names its members' builders: `{"kind": "ensemble", "members": [{"kind":
"registry", ...}, ...]}`, built as a `blur_keras.Ensemble` of them. Nothing else describes the
graph, and no code is read from a file: every name must be registered.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping

import keras

from blur_keras import models
from blur_keras.zoo.files import CARD_FILE, WEIGHTS_FILE, PresetError

#: A card's builder: a model of `blur_keras.models`' registry, or an ensemble of such models.
REGISTRY = "registry"
ENSEMBLE = "ensemble"


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


def ensemble_builder(members: list[dict]) -> dict:
    """The card's `builder` for a deep ensemble of registry models (`blur_keras.Ensemble`).

    Args:
        members: each member's `registry_builder`, in the order of the ensemble's weights.

    Returns:
        `{"kind": "ensemble", "members": [...]}`.

    Raises:
        PresetError: fewer than two members, or a member that is not a registry builder.

    Example:

    >>> ensemble_builder([registry_builder(spec)] * 3)["members"][0]["name"]
    'resnet_dnn_18'
    """
    members = list(members)
    if len(members) < 2 or not all(isinstance(m, dict) and m.get("kind") == REGISTRY
                                   for m in members):
        raise PresetError(f"An ensemble's builder needs two or more registry builders "
                          f"(registry_builder(spec)); received {members!r}.")
    return {"kind": ENSEMBLE, "members": [json.loads(json.dumps(m)) for m in members]}


def registry_name(card: dict) -> str | None:
    """The registry model a preset is (an ensemble's: its members', when they share one).

    Example:

    >>> registry_name(blur_keras.zoo.card("resnet_dnn_18.fmnist_w16"))
    'resnet_dnn_18'
    """
    builder = card.get("builder")
    if not isinstance(builder, dict):
        return None
    if builder.get("kind") == ENSEMBLE:
        names = {m.get("name") for m in builder.get("members") or () if isinstance(m, dict)}
        return names.pop() if len(names) == 1 else None
    return builder.get("name")


def _registry_model(preset: str, builder, overrides: Mapping[str, Any] | None) -> keras.Model:
    """The registry model a `registry_builder` names, with `overrides` (no weights)."""
    if not isinstance(builder, dict) or builder.get("kind") != REGISTRY \
            or not isinstance(builder.get("arguments"), dict):
        raise PresetError(f"Preset {preset}: its card's builder {builder!r} does not build a "
                          f"model (expected {{\"kind\": \"{REGISTRY}\", \"name\": ..., "
                          f"\"arguments\": {{...}}}}, or {{\"kind\": \"{ENSEMBLE}\", "
                          f"\"members\": [...]}} of those).")
    try:
        return models.get(builder.get("name"), **{**builder["arguments"], **(overrides or {})})
    except Exception as error:     # an unknown name or argument fails in many ways
        raise PresetError(f"Preset {preset}: its card's builder does not build a model "
                          f"({type(error).__name__}: {error}).") from None


def _architecture(preset: str, builder, overrides: Mapping[str, Any] | None) -> keras.Model:
    """The model a card's builder describes, built (no weights)."""
    if not (isinstance(builder, dict) and builder.get("kind") == ENSEMBLE):
        return _registry_model(preset, builder, overrides)
    members = builder.get("members")
    if not isinstance(members, list) or len(members) < 2:
        raise PresetError(f"Preset {preset}: its card's ensemble builder names {members!r}; "
                          f"expected a list of two or more registry builders.")
    from blur_keras.predict import Ensemble
    networks = [_registry_model(preset, member, overrides) for member in members]
    try:
        ensemble = Ensemble(networks, name=preset.replace(".", "_"))
    except ValueError as error:
        raise PresetError(f"Preset {preset}: its ensemble's members do not fit together "
                          f"({error}).") from None
    ensemble.build((None,) + tuple(ensemble.expected_input_shape or ()))
    return ensemble


def build_network(card: dict, weights: str, overrides: Mapping[str, Any] | None = None
                  ) -> keras.Model:
    """The bare network of a preset: its card's builder, then its weights.

    It takes standardised images (no `PixelStandardization` in front). No hash
    is checked here (`load` verifies first). Weights that fit only in part
    (Keras warns and keeps fresh values) are refused.

    Args:
        card: the preset's card.
        weights: its weights file.
        overrides: builder arguments that replace the card's (e.g. `mc_dropout=0.1`; an
            ensemble's: every member's); the weights must still fit.

    Returns:
        The functional `keras.Model` (a `blur_keras.Ensemble` of them for an ensemble's
        card), with the weights.

    Raises:
        PresetError: the builder does not build a model, or the weights do not fit it.
    """
    preset = card.get("name", os.path.basename(os.path.dirname(weights)))
    model = _architecture(preset, card.get("builder"), overrides)
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
