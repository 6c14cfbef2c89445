"""`ModelSpec`: a registry model name parsed once, with the builder arguments that go with it."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A registry model: the parts of its name `{family}_{variant}[_smoothing][_{depth}]` and the
    builder arguments that replace the name's defaults.

    `blur_keras.models.parse(name)` makes one from a registered name (and checks it);
    `blur_keras.models.build(spec)` builds it; `blur_keras.protocol.for_dataset(spec, dataset)`
    adds a dataset's protocol arguments. A spec is a value: `with_arguments` returns a new one.

    Args:
        family: a `blur_keras.models.FAMILIES` key, e.g. `"resnet"`.
        variant: a `blur_keras.models.VARIANTS` key, e.g. `"mcdo"`.
        smoothing: whether the name asks for the paper's spatial smoothing.
        depth: the depth, `None` for a family of one depth (AlexNet).
        arguments: builder arguments that replace the name's defaults, e.g. `{"width": 16}`.

    Example:

    >>> spec = ModelSpec("resnet", "mcdo", smoothing=True, depth=18).with_arguments(width=16)
    >>> spec.name, spec.arguments
    ('resnet_mcdo_smoothing_18', {'width': 16})
    """

    family: str
    variant: str
    smoothing: bool = False
    depth: int | None = None
    arguments: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "arguments", dict(self.arguments))   # the spec's own copy

    @property
    def name(self) -> str:
        """The registry name, e.g. `resnet_mcdo_smoothing_18`."""
        smoothing = "_smoothing" if self.smoothing else ""
        depth = "" if self.depth is None else f"_{self.depth}"
        return f"{self.family}_{self.variant}{smoothing}{depth}"

    def with_arguments(self, **arguments: Any) -> ModelSpec:
        """A copy whose builder arguments are this spec's updated with `arguments`.

        Args:
            **arguments: builder arguments; they replace those of the same name.

        Returns:
            A new `ModelSpec` (this one is unchanged).

        Example:

        >>> ModelSpec("vgg", "dnn", depth=16).with_arguments(num_classes=100).arguments
        {'num_classes': 100}
        """
        return dataclasses.replace(self, arguments={**self.arguments, **arguments})
