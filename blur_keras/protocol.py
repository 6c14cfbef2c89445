"""The model a dataset's protocol builds: the one place that turns (model, dataset) into a model.

Training, evaluation, the robustness program and the zoo all build their
models here, so a dataset's protocol (classes, input shape, stem and with it
the MC dropout rate, e.g. 30% on CIFAR, 5% on ImageNet) is applied the same
way everywhere.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Mapping

import keras

from blur_keras import models
from blur_keras.data.specs import get_spec
from blur_keras.models.registry import BAYESIAN_OPTIONS


def model_arguments(model: str, dataset: str, model_args: Mapping[str, Any] | None = None,
                    kl_weight: float | None = None) -> dict[str, Any]:
    """Builder arguments of registry model `model` under `dataset`'s protocol.

    Args:
        model: a registry name, e.g. `resnet_mcdo_smoothing_18`.
        dataset: a dataset name (see `blur_keras.data.DATASETS`).
        model_args: builder arguments that override the protocol's (e.g.
            `{"width": 16}`); checked against the builder's signature.
        kl_weight: KL weight of `bnn` variants (ignored for the others).

    Returns:
        The keyword arguments for `blur_keras.models.get(model, **arguments)`.

    Raises:
        ValueError: unknown model or dataset, or an argument the builder does
            not take.

    Example:

    >>> model_arguments("resnet_dnn_18", "imagenet2012")
    {'num_classes': 1000, 'input_shape': (224, 224, 3), 'stem': 'imagenet'}
    """
    _, variant, _, _ = models.parse(model)
    spec = get_spec(dataset)
    arguments: dict[str, Any] = {"num_classes": spec.num_classes, "input_shape": spec.image_shape}
    if "stem" in accepted_arguments(model):      # VGG has no stem: its input size decides
        arguments["stem"] = spec.stem
    if variant == "bnn" and kl_weight is not None:
        arguments["kl_weight"] = kl_weight
    extra = dict(model_args or {})
    check_model_args(model, extra)
    arguments.update(extra)
    return arguments


def check_model_args(model: str, model_args: Mapping[str, Any]) -> None:
    """Refuses builder arguments that `model`'s builder does not take, naming those it does."""
    if not isinstance(model_args, Mapping):
        raise ValueError(f"model_args must be a dict of builder arguments; received "
                         f"{type(model_args).__name__} {model_args!r}.")
    accepted = accepted_arguments(model)
    unknown = sorted(set(model_args) - set(accepted))
    if unknown:
        raise ValueError(f"model_args {unknown} are not arguments of {model}'s builder; "
                         f"it takes {sorted(accepted)}.")


def accepted_arguments(model: str) -> list[str]:
    """The builder arguments a registry model takes (variant options included)."""
    family, variant, _, _ = models.parse(model)
    builder = models.FAMILIES[family].builder
    names = [name for name, parameter in inspect.signature(builder).parameters.items()
             if parameter.kind is not inspect.Parameter.VAR_KEYWORD
             and name not in ("name", "depth")]    # the registry name fixes both
    if family in ("resnext", "wideresnet"):   # they forward **kwargs to `resnet`
        names += [name for name in inspect.signature(models.FAMILIES["resnet"].builder).parameters
                  if name not in names and name not in ("name", "depth", "groups")]
    if variant == "bnn":
        names += list(BAYESIAN_OPTIONS)
    return names


def build_model(model: str, dataset: str, model_args: Mapping[str, Any] | None = None,
                kl_weight: float | None = None) -> keras.Model:
    """Registry model `model` built for `dataset`'s protocol.

    Args:
        model: a registry name.
        dataset: a dataset name.
        model_args: builder arguments that override the protocol's.
        kl_weight: KL weight of `bnn` variants.

    Returns:
        The functional `keras.Model`.

    Raises:
        ValueError: a bad name, dataset or builder argument (the builder's own
            message).

    Example:

    >>> build_model("resnet_mcdo_smoothing_18", "fashion_mnist", {"width": 16}).count_params()
    """
    arguments = model_arguments(model, dataset, model_args, kl_weight)
    try:
        return models.get(model, **arguments)
    except TypeError as error:   # a value of the wrong type deep in a builder
        raise ValueError(f"model_args {json.dumps(dict(model_args or {}), default=str)} do not "
                         f"build {model}: {error}") from None
