"""Ensemble preset names: `{registry name}.{tag}_ens{K}`, the preset of K networks of one recipe."""

from __future__ import annotations

import re

from blur_keras.zoo.files import PresetError

_ENSEMBLE_TAG = re.compile(r"^(?P<base>[a-z0-9_]+)_ens(?P<size>[0-9]+)$")


def ensemble_of(name: str) -> tuple[str, int]:
    """The single-network preset an ensemble preset is made of, and its number of networks.

    Args:
        name: `{registry name}.{tag}_ens{K}`.

    Returns:
        `("{registry name}.{tag}", K)`.

    Raises:
        PresetError: a name without the `_ens{K}` tag (K >= 2).

    Example:

    >>> ensemble_of("resnet_dnn_18.fmnist_w16_ens3")
    ('resnet_dnn_18.fmnist_w16', 3)
    """
    model, _, tag = name.partition(".")
    match = _ENSEMBLE_TAG.match(tag)
    if not model or not match or int(match["size"]) < 2:
        raise PresetError(f"An ensemble preset is named '{{registry name}}.{{tag}}_ens{{K}}' "
                          f"with K >= 2 networks (e.g. resnet_dnn_18.fmnist_w16_ens3); "
                          f"received {name!r}.")
    return f"{model}.{match['base']}", int(match["size"])
