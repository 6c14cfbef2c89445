"""One registry of the reference model names: `{family}_{variant}[_smoothing][_{depth}]`.

Variants: `dnn` (deterministic), `mcdo` (MC dropout) and, registered by
`blur_keras.bayesian` itself, `bnn` (variational weights, ResNet and VGG
families; needs TensorFlow Probability).

`parse("resnet_mcdo_smoothing_18")` checks a name once and returns its
`ModelSpec`; `build(spec)` builds it; `get(name, **overrides)` does both.
`names()` lists every registered name. A family is one `FAMILIES` entry (its
builder, depths and quirks), a variant one `register_variant` call.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import re
from typing import Any, Callable

import keras

from blur_keras.models.alexnet import alexnet
from blur_keras.models.preact_resnet import preact_resnet
from blur_keras.models.resnet import resnet, resnext, wide_resnet
from blur_keras.models.spec import ModelSpec
from blur_keras.models.vgg import vgg, preact_vgg

#: Builder arguments that a registry name fixes itself.
_NAMED = ("name", "depth")


def _parameters(builder: Callable[..., keras.Model]) -> list[str]:
    return [name for name, parameter in inspect.signature(builder).parameters.items()
            if parameter.kind is not inspect.Parameter.VAR_KEYWORD and name not in _NAMED]


@dataclasses.dataclass(frozen=True)
class Family:
    """A model family: its builder, depths, reference MC dropout rates and quirks."""

    builder: Callable[..., keras.Model]
    depths: tuple[int | None, ...]
    #: MC dropout rate for the CIFAR and the ImageNet protocol.
    mc_dropout_rates: tuple[float, float] = (0.3, 0.05)
    #: whether the family has `bnn` variants.
    bayesian: bool = False
    #: the builder that `builder` hands its `**kwargs` on to (ResNeXt, Wide ResNet: `resnet`).
    forwards_to: Callable[..., keras.Model] | None = None
    #: arguments of `forwards_to` that `builder` sets itself.
    fixes: tuple[str, ...] = ()

    def builder_arguments(self) -> list[str]:
        """The builder arguments a registry name leaves open (all but `name` and `depth`)."""
        names = _parameters(self.builder)
        if self.forwards_to is not None:
            names += [name for name in _parameters(self.forwards_to)
                      if name not in names and name not in self.fixes]
        return names


FAMILIES: dict[str, Family] = {
    "resnet": Family(resnet, (18, 34, 50, 101, 152), bayesian=True),
    "preresnet": Family(preact_resnet, (18, 34, 50, 101, 152), bayesian=True),
    "resnext": Family(resnext, (50, 101), forwards_to=resnet, fixes=("groups",)),
    "wideresnet": Family(wide_resnet, (50, 101), forwards_to=resnet, fixes=("groups",)),
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

    `arguments(family, overrides)` returns the builder arguments; it pops the
    variant's own `options` (e.g. `kl_weight`) from `overrides`.
    """

    arguments: Callable[[Family, dict[str, Any]], dict[str, Any]]
    applies_to: Callable[[Family], bool] = lambda family: True
    #: arguments the variant takes besides its family's builder arguments.
    options: tuple[str, ...] = ()


VARIANTS: dict[str, Variant] = {
    "dnn": Variant(lambda family, overrides: {"mc_dropout": 0.0}),
    "mcdo": Variant(lambda family, overrides: {
        "mc_dropout": family.mc_dropout_rates[_is_imagenet(overrides)]}),
}

_NAME = re.compile(r"^(?P<family>[a-z]+)_(?P<variant>[a-z]+)(?P<smoothing>_smoothing)?"
                   r"(?:_(?P<depth>\d+))?$")


def register_variant(name: str, variant: Variant) -> None:
    """Adds a variant to the registry: its names `{family}_{name}[_smoothing][_{depth}]` follow.

    A package above the models registers its own variant (`blur_keras.bayesian` its `bnn`), so
    the registry imports none of them.

    Args:
        name: the variant's part of the names, lower-case letters, e.g. `"bnn"`.
        variant: what it builds.

    Raises:
        ValueError: a name that is not lower-case letters, or one registered to another variant.

    Example:

    >>> register_variant("halfdrop", Variant(lambda family, overrides: {"mc_dropout": 0.5}))
    >>> get("resnet_halfdrop_18").get_layer("stage1_block1_dropout").rate
    0.5
    """
    if not re.fullmatch(r"[a-z]+", str(name)):
        raise ValueError(f"A variant name is lower-case letters; received {name!r}.")
    if VARIANTS.get(name, variant) is not variant:
        raise ValueError(f"The variant {name!r} is registered already.")
    VARIANTS[name] = variant


def names() -> list[str]:
    """Every registered model name, e.g. `resnet_mcdo_smoothing_18`."""
    result = []
    for family_name, family in FAMILIES.items():
        for depth in family.depths:
            for variant in (v for v, spec in VARIANTS.items() if spec.applies_to(family)):
                for smoothing in (False, True):
                    result.append(ModelSpec(family_name, variant, smoothing, depth).name)
    return result


def _unknown(name: Any) -> ValueError:
    close = difflib.get_close_matches(str(name), names(), n=5, cutoff=0.5)
    hint = f" Closest: {', '.join(close)}." if close else ""
    return ValueError(
        f"Unknown model name {name!r}. Names are {{family}}_{{variant}}[_smoothing][_depth] "
        f"with family in {list(FAMILIES)} and variant in {list(VARIANTS)}; "
        f"blur_keras.models.names() lists them all.{hint}")


def _resolve(spec: ModelSpec) -> tuple[Family, Variant]:
    """The family and variant of a registered `spec`; `ValueError` for any other."""
    family = FAMILIES.get(spec.family)
    variant = VARIANTS.get(spec.variant)
    if family is None or variant is None or not variant.applies_to(family) \
            or spec.depth not in family.depths:
        raise _unknown(spec.name)
    return family, variant


def parse(name: str) -> ModelSpec:
    """The `ModelSpec` of a registered name, with no builder arguments yet.

    Args:
        name: a registered name, e.g. `"resnet_mcdo_smoothing_18"`.

    Returns:
        Its `ModelSpec`.

    Raises:
        ValueError: `name` is not registered; the message lists the closest names.

    Example:

    >>> parse("resnet_mcdo_smoothing_18")
    ModelSpec(family='resnet', variant='mcdo', smoothing=True, depth=18, arguments={})
    """
    match = _NAME.match(name) if isinstance(name, str) else None
    if match is None:
        raise _unknown(name)
    spec = ModelSpec(match["family"], match["variant"], bool(match["smoothing"]),
                     int(match["depth"]) if match["depth"] else None)
    _resolve(spec)
    return spec


def accepted_arguments(spec: ModelSpec) -> list[str]:
    """The builder arguments `spec`'s model takes (its variant's options included).

    Example:

    >>> "kl_weight" in accepted_arguments(parse("resnet_bnn_18"))
    True
    """
    family, variant = _resolve(spec)
    return family.builder_arguments() + list(variant.options)


def build(spec: ModelSpec) -> keras.Model:
    """Builds a registered model from its spec.

    Args:
        spec: e.g. `parse("resnet_mcdo_smoothing_18").with_arguments(num_classes=100)`.

    Returns:
        The functional `keras.Model`, named after `spec.name` (unless its arguments name it).

    Raises:
        ValueError: `spec` is not a registered model.
    """
    family, variant = _resolve(spec)
    kwargs: dict[str, Any] = {"name": spec.name}
    if spec.depth is not None:
        kwargs["depth"] = spec.depth
    if spec.smoothing:
        kwargs["smoothing"] = True
    overrides = dict(spec.arguments)
    kwargs.update(variant.arguments(family, overrides))
    kwargs.update(overrides)
    return family.builder(**kwargs)


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
    return build(parse(name).with_arguments(**overrides))
