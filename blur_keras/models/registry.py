"""One registry of the reference model names: `{family}_{variant}[_smoothing][_{depth}]`.

Variants: `dnn` (deterministic), `mcdo` (MC dropout), `bnn` (variational
weights, ResNet and VGG families; needs TensorFlow Probability).

`get("resnet_mcdo_smoothing_18", num_classes=100)` builds a model;
`names()` lists every registered name. A family is one `FAMILIES` entry, a
variant (deterministic, MC dropout, ...) one `VARIANTS` entry.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any, Callable

import keras

from blur_keras.models.alexnet import alexnet
from blur_keras.models.preact_resnet import preact_resnet
from blur_keras.models.resnet import resnet, resnext, wide_resnet
from blur_keras.models.vgg import vgg, preact_vgg


@dataclasses.dataclass(frozen=True)
class Family:
    """A model family: its builder, depths and reference MC dropout rates."""

    builder: Callable[..., keras.Model]
    depths: tuple[int | None, ...]
    #: MC dropout rate for the CIFAR and the ImageNet protocol.
    mc_dropout_rates: tuple[float, float] = (0.3, 0.05)
    #: whether the family has `bnn` variants.
    bayesian: bool = False


FAMILIES: dict[str, Family] = {
    "resnet": Family(resnet, (18, 34, 50, 101, 152), bayesian=True),
    "preresnet": Family(preact_resnet, (18, 34, 50, 101, 152), bayesian=True),
    "resnext": Family(resnext, (50, 101)),
    "wideresnet": Family(wide_resnet, (50, 101)),
    "vgg": Family(vgg, (11, 13, 16, 19), bayesian=True),
    "prevgg": Family(preact_vgg, (11, 13, 16, 19), bayesian=True),
    "alexnet": Family(alexnet, (None,), mc_dropout_rates=(0.1, 0.1)),
}


def _is_imagenet(overrides: dict[str, Any]) -> bool:
    """Whether the model is built for the ImageNet protocol (stem or >= 128 px input)."""
    if overrides.get("stem") == "imagenet":
        return True
    shape = overrides.get("input_shape")
    return shape is not None and min(shape[:2]) >= 128


@dataclasses.dataclass(frozen=True)
class Variant:
    """A model variant: which families have it and the builder arguments it implies.

    `arguments(family, overrides)` returns the builder arguments; it may pop
    variant-only options (e.g. `kl_weight`) from `overrides`.
    """

    arguments: Callable[[Family, dict[str, Any]], dict[str, Any]]
    applies_to: Callable[[Family], bool] = lambda family: True


def _bayesian(family: Family, overrides: dict[str, Any]) -> dict[str, Any]:
    from blur_keras.bayesian.factory import BayesianLayerFactory
    options = {key: overrides.pop(key) for key in BAYESIAN_OPTIONS if key in overrides}
    return {"mc_dropout": 0.0, "layer_factory": BayesianLayerFactory(**options)}


#: Options of `bnn` variants, passed to `BayesianLayerFactory`.
BAYESIAN_OPTIONS = ("kl_weight", "estimator", "variational", "prior", "posterior_scale_init")

VARIANTS: dict[str, Variant] = {
    "dnn": Variant(lambda family, overrides: {"mc_dropout": 0.0}),
    "mcdo": Variant(lambda family, overrides: {
        "mc_dropout": family.mc_dropout_rates[_is_imagenet(overrides)]}),
    "bnn": Variant(_bayesian, applies_to=lambda family: family.bayesian),
}

_NAME = re.compile(r"^(?P<family>[a-z]+)_(?P<variant>[a-z]+)(?P<smoothing>_smoothing)?"
                   r"(?:_(?P<depth>\d+))?$")


def names() -> list[str]:
    """Every registered model name, e.g. `resnet_mcdo_smoothing_18`."""
    result = []
    for family_name, family in FAMILIES.items():
        for depth in family.depths:
            for variant in (v for v, spec in VARIANTS.items() if spec.applies_to(family)):
                for smoothing in ("", "_smoothing"):
                    suffix = "" if depth is None else f"_{depth}"
                    result.append(f"{family_name}_{variant}{smoothing}{suffix}")
    return result


def parse(name: str) -> tuple[str, str, bool, int | None]:
    """Splits a registered name into `(family, variant, smoothing, depth)`.

    Raises:
        ValueError: `name` is not registered; the message lists the closest names.
    """
    match = _NAME.match(name) if isinstance(name, str) else None
    family = FAMILIES.get(match["family"]) if match else None
    depth = int(match["depth"]) if match and match["depth"] else None
    variant = VARIANTS.get(match["variant"]) if match else None
    if family is None or variant is None or not variant.applies_to(family) \
            or depth not in family.depths:
        close = difflib.get_close_matches(str(name), names(), n=5, cutoff=0.5)
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise ValueError(
            f"Unknown model name {name!r}. Names are {{family}}_{{variant}}[_smoothing][_depth] "
            f"with family in {list(FAMILIES)} and variant in {list(VARIANTS)}; "
            f"blur_keras.models.names() lists them all.{hint}")
    return match["family"], match["variant"], bool(match["smoothing"]), depth


def get(name: str, /, **overrides: Any) -> keras.Model:
    """Builds a registered model.

    Args:
        name: a reference name such as `"resnet_mcdo_smoothing_18"`,
            `"vgg_dnn_16"` or `"alexnet_mcdo_smoothing"`.
        **overrides: builder arguments that replace the name's defaults
            (`num_classes`, `input_shape`, `stem`, `mc_dropout`, `smoothing`,
            `head`, ...); `bnn` names also take the `BayesianLayerFactory`
            options `kl_weight`, `estimator`, `variational`, `prior`,
            `posterior_scale_init`. `name=` renames the model (default: `name`).

    Returns:
        The functional `keras.Model`, named after `name`.

    Example:

    >>> model = get("resnet_mcdo_smoothing_18", num_classes=100)
    >>> model.name
    'resnet_mcdo_smoothing_18'
    """
    family_name, variant, smoothing, depth = parse(name)
    family = FAMILIES[family_name]
    kwargs: dict[str, Any] = {"name": name}
    if depth is not None:
        kwargs["depth"] = depth
    if smoothing:
        kwargs["smoothing"] = True
    overrides = dict(overrides)
    kwargs.update(VARIANTS[variant].arguments(family, overrides))
    kwargs.update(overrides)
    return family.builder(**kwargs)
