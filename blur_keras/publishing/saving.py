"""A preset written: its weights, its card (with the builder of its architecture) and README."""

from __future__ import annotations

import json
import os

import keras

from blur_keras.integrity import file_record
from blur_keras.json_output import strict
from blur_keras.publishing.card_readme import write_card_readme
from blur_keras.zoo.files import CARD_FILE, WEIGHTS_FILE, PresetError


def write_card(directory: str, card: dict, records: dict) -> dict:
    """Writes `metadata.json` (the card, with the weights' `records`) and, for a full card (one
    with `training`, as `publish` writes), `README.md`; returns the card as written."""
    card = strict({**card, "files": records})     # a metric that does not exist is null
    with open(os.path.join(directory, CARD_FILE), "w") as f:
        json.dump(card, f, indent=2, allow_nan=False)
        f.write("\n")
    if "training" in card:
        write_card_readme(card, directory)
    return card


def save_preset(model: keras.Model, directory: str, card: dict) -> dict:
    """Writes a preset directory: `model.weights.h5`, `metadata.json` and, for a full card,
    `README.md`.

    The architecture is the card's `builder` (see
    `blur_keras.zoo.architecture.registry_builder`): the registry name and
    arguments that build `model`, whose weights are saved. The card records
    the SHA-256 and size of the weights, so a preset directory verifies itself
    even outside a zoo.

    Args:
        model: the trained model, as its card's builder builds it.
        directory: the preset directory (created; files in it are replaced).
        card: what the preset is, with its `builder` (see `publish` for the
            other fields); `files` is filled in here.

    Returns:
        The card as written.

    Raises:
        PresetError: the card names no builder.

    Example:

    >>> spec = protocol.for_dataset(models.parse("resnet_mcdo_18"), "cifar10")
    >>> builder = registry_builder(spec)
    >>> save_preset(model, "my_zoo/resnet_mcdo_18.mine", {"name": "resnet_mcdo_18.mine",
    ...                                                   "builder": builder})
    """
    if "builder" not in card:
        raise PresetError(f"Preset {card.get('name')}: a card names the builder of its "
                          f"architecture (blur_keras.zoo.architecture.registry_builder).")
    os.makedirs(directory, exist_ok=True)
    weights_path = os.path.join(directory, WEIGHTS_FILE)
    model.save_weights(weights_path)
    return write_card(directory, card, {WEIGHTS_FILE: file_record(weights_path)})
