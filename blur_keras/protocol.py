"""The model a dataset's protocol builds: the one place that turns (model, dataset) into a model.

Training, evaluation, the robustness program and the zoo all build their
models here, so a dataset's protocol (classes, input shape, stem and with it
the MC dropout rate, e.g. 30% on CIFAR, 5% on ImageNet) is applied the same
way everywhere. `for_dataset` adds the protocol's builder arguments to a
parsed `ModelSpec`; `build_model` builds it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

import keras

from blur_keras import models
from blur_keras.data.specs import get_spec
from blur_keras.models import ModelSpec


def for_dataset(spec: ModelSpec, dataset: str, kl_weight: float | None = None) -> ModelSpec:
    """`spec` with `dataset`'s protocol arguments under its own builder arguments.

    The protocol sets the classes, the input shape and, for a builder that
    has one, the stem (VGG has none: its input size decides); `kl_weight`
    goes to the models that take one (`bnn`). The spec's own arguments win.

    Args:
        spec: a parsed registry model, e.g. `models.parse("resnet_mcdo_smoothing_18")`, with
            any builder arguments of its own (e.g. `{"width": 16}`).
        dataset: a dataset name (see `blur_keras.data.DATASETS`).
        kl_weight: KL weight of `bnn` variants (ignored for the others).

    Returns:
        The spec to build (`blur_keras.models.build`).

    Raises:
        ValueError: unknown dataset, or a builder argument of `spec` that its
            builder does not take.

    Example:

    >>> for_dataset(models.parse("resnet_dnn_18"), "imagenet2012").arguments
    {'num_classes': 1000, 'input_shape': (224, 224, 3), 'stem': 'imagenet'}
    """
    dataset_spec = get_spec(dataset)
    check_model_args(spec, spec.arguments)
    accepted = models.accepted_arguments(spec)
    arguments: dict[str, Any] = {"num_classes": dataset_spec.num_classes,
                                 "input_shape": dataset_spec.image_shape}
    if "stem" in accepted:
        arguments["stem"] = dataset_spec.stem
    if kl_weight is not None and "kl_weight" in accepted:
        arguments["kl_weight"] = kl_weight
    return dataclasses.replace(spec, arguments={**arguments, **spec.arguments})


def check_model_args(spec: ModelSpec, model_args: Mapping[str, Any]) -> None:
    """Refuses builder arguments that `spec`'s builder does not take, naming those it does.

    Args:
        spec: a parsed registry model.
        model_args: builder arguments meant for it.

    Raises:
        ValueError: `model_args` is not a mapping, or holds an argument the builder does not take.
    """
    if not isinstance(model_args, Mapping):
        raise ValueError(f"model_args must be a dict of builder arguments; received "
                         f"{type(model_args).__name__} {model_args!r}.")
    accepted = models.accepted_arguments(spec)
    unknown = sorted(set(model_args) - set(accepted))
    if unknown:
        raise ValueError(f"model_args {unknown} are not arguments of {spec.name}'s builder; "
                         f"it takes {sorted(accepted)}.")


def build_model(model: str | ModelSpec, dataset: str, model_args: Mapping[str, Any] | None = None,
                kl_weight: float | None = None) -> keras.Model:
    """Registry model `model` built for `dataset`'s protocol.

    Args:
        model: a registry name, or its parsed `ModelSpec` (with its builder arguments).
        dataset: a dataset name.
        model_args: builder arguments that override the protocol's (and the spec's).
        kl_weight: KL weight of `bnn` variants.

    Returns:
        The functional `keras.Model`.

    Raises:
        ValueError: a bad name, dataset or builder argument (the builder's own
            message).

    Example:

    >>> build_model("resnet_mcdo_smoothing_18", "fashion_mnist", {"width": 16}).count_params()
    """
    spec = models.parse(model) if isinstance(model, str) else model
    if model_args is not None:
        check_model_args(spec, model_args)
        spec = spec.with_arguments(**model_args)
    try:
        return models.build(for_dataset(spec, dataset, kl_weight))
    except TypeError as error:   # a value of the wrong type deep in a builder
        raise ValueError(f"model_args {json.dumps(dict(spec.arguments), default=str)} do not "
                         f"build {spec.name}: {error}") from None
