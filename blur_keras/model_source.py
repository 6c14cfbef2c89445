"""Where a model comes from: a zoo preset, a `.keras` file, or a registry name with its weights.

One rule tells them apart (`source_kind`); `resolve_model` checks a model
argument (`--model`, `--weights`, `--model_args` of `python -m
blur_keras.evaluation` and `python -m blur_keras.robustness`) before
anything is loaded, and `load_model` loads it. This module sits above the
zoo (it loads presets with `blur_keras.zoo.load`), beside the programs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import warnings
from typing import Any

import keras

from blur_keras import protocol, zoo
from blur_keras.cli_checks import existing_file
from blur_keras.data import get_spec
from blur_keras.models import parse

#: The kinds of `ModelSource`, in the order `source_kind` tries them.
PRESET, KERAS_FILE, REGISTRY = "preset", "keras_file", "registry"


@dataclasses.dataclass(frozen=True)
class ModelSource:
    """A checked model argument (see `resolve_model`).

    Attributes:
        kind: `"preset"`, `"keras_file"` or `"registry"`.
        model: the preset name, the `.keras` path (`~` expanded) or the
            registry name.
        weights: the `.weights.h5` path (`~` expanded) of a registry name,
            else None.
        model_args: the builder arguments of a registry name, else None.
    """

    kind: str
    model: str
    weights: str | None = None
    model_args: dict[str, Any] | None = None


def source_kind(model: str) -> str:
    """The kind of `model`: `"keras_file"` (`.keras`), `"preset"` (dotted), else `"registry"`.

    Example: `source_kind("resnet_mcdo_18.fmnist_w16")` is `"preset"`,
    `source_kind("runs/a/model.keras")` `"keras_file"` and
    `source_kind("resnet_mcdo_18")` `"registry"`.
    """
    if model.endswith(".keras"):
        return KERAS_FILE
    if "." in model and os.sep not in model:
        return PRESET
    return REGISTRY


def resolve_model(model: str, weights: str | None = None,
                  model_args: dict[str, Any] | None = None) -> ModelSource:
    """Checks a model argument, loading nothing; one `ValueError` naming the flag otherwise.

    Args:
        model: a zoo preset name (`blur_keras.zoo.names()`), a `.keras`
            file or a registry name (`blur_keras.models.names()`).
        weights: the `.weights.h5` file of a registry name (required there,
            refused otherwise).
        model_args: builder arguments the weights were trained with, for a
            registry name; they must be arguments of its builder.

    Returns:
        The `ModelSource`, paths `~` expanded.

    Example:
        `resolve_model("resnet_dnn_18", "~/w.weights.h5", {"width": 16})`
    """
    kind = source_kind(model)
    if model_args and kind != REGISTRY:
        raise ValueError("--model_args is for registry names (with --weights); a .keras file "
                         "or a zoo preset holds its architecture.")
    if kind == KERAS_FILE:
        if weights:
            raise ValueError("--weights is for registry names; a .keras file holds its weights.")
        return ModelSource(kind, existing_file("model", model))
    if kind == PRESET:
        if model not in zoo.names():
            raise ValueError(f"--model {model!r} is not a zoo preset (python -m blur_keras.zoo "
                             f"list), a registry name or a .keras file.")
        if weights:
            raise ValueError("--weights is for registry names; a zoo preset holds its weights.")
        return ModelSource(kind, model)
    spec = parse(model)                             # unknown name: a ValueError with close names
    protocol.check_model_args(spec, model_args or {})
    if weights is None:
        raise ValueError(f"--weights is required with the registry name {model!r} "
                         "(an untrained model would be evaluated).")
    return ModelSource(kind, model, existing_file("weights", weights), model_args)


def load_model(model: str, weights: str | None, dataset: str,
               model_args: dict[str, Any] | None = None) -> keras.Model:
    """A zoo preset, a registry model with weights, or a `.keras` file; a clear `ValueError` else.

    Args:
        model: a zoo preset name (`blur_keras.zoo.names()`, e.g.
            `resnet_mcdo_18.fmnist_w16`: verified, seeded with 0 as its card;
            the bare network, which takes standardised images as the
            programs feed them),
            a registry name (see `blur_keras.models.names()`) or a `.keras` path.
        weights: a `.weights.h5` file for a registry name.
        dataset: the dataset the model was trained on: its protocol (classes,
            input shape, stem) builds the registry model.
        model_args: builder arguments the model was trained with (e.g.
            `{"width": 16}`), for a registry name.

    Returns:
        The Keras model.

    Example:
        `load_model("resnet_mcdo_smoothing_18.fmnist_w16", None, "fashion_mnist")`
    """
    source = resolve_model(model, weights, model_args)
    if source.kind == PRESET:
        # PresetError is a ValueError. The programs feed standardised images: the bare network.
        return zoo.load(source.model, include_preprocessing=False, seed=0, compile=False)
    if source.kind == KERAS_FILE:
        return keras.saving.load_model(source.model)
    return _registry_model(source, dataset)


def _registry_model(source: ModelSource, dataset: str) -> keras.Model:
    """The registry model built for `dataset` with the weights of `source`, which must all fit."""
    spec = get_spec(dataset)
    built = protocol.build_model(source.model, dataset, source.model_args)
    weights = source.weights
    built_as = f"{source.model}{' ' + json.dumps(source.model_args) if source.model_args else ''}"
    advice = ("Build it with the builder arguments the weights were trained with (model_args; "
              "--model_args on the command line; a training run's result.json records them "
              "under config.model_args).")
    with warnings.catch_warnings(record=True) as caught:   # Keras warns per layer it skips
        warnings.simplefilter("always")
        try:
            built.load_weights(weights)
        except Exception as error:    # shapes that do not fit raise several types
            raise ValueError(f"The weights in {weights} do not fit {built_as} for {dataset} "
                             f"({spec.num_classes} classes, input {spec.image_shape}): "
                             f"{_first_mismatch(error)}. {advice}") from None
    skipped = [w for w in caught if "Skipping" in str(w.message)
               or "freshly-initialized" in str(w.message)]
    if skipped:
        raise ValueError(f"The weights in {weights} fit {built_as} for {dataset} only in part "
                         f"({len(skipped)} parts of the model would keep their initial values). "
                         f"{advice}")
    return built


def _first_mismatch(error: Exception) -> str:
    """The first layer whose weights do not fit, in one line, from Keras' long message."""
    text = str(error)
    layer = re.search(r"for object <\w+ name=([^,>]+)", text)
    shapes = re.search(r"variable\.shape=(\([^)]*\)), Received: value\.shape=(\([^)]*\))", text)
    if shapes:
        where = f"layer {layer.group(1)}: " if layer else ""
        return (f"{where}the model has a weight of shape {shapes.group(1)}, the file "
                f"{shapes.group(2)}")
    first = " ".join(text.split("\n\n")[0].split())
    return first[:300] + ("..." if len(first) > 300 else "")
