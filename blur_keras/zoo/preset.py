"""A preset on disk read back: its card and its model, every file verified first."""

from __future__ import annotations

import json
import os
from typing import Any

import keras

from blur_keras.zoo.architecture import build_network
from blur_keras.zoo.files import (
    CARD_FILE, OPTIONAL_FILES, WEIGHTS_FILE, PresetError, UnknownPresetError, card_source,
    check_file, index_source, is_path, locate, preset_version, read_index, verify_directory,
    zoo_directories)
from blur_keras.zoo.preprocessing import with_preprocessing
from blur_keras.zoo.remote import fetch_weights


def _resolve(name_or_directory: str) -> tuple[str, str, str | None, str]:
    """`(preset name, directory, fetched weights or None, what its card is called in messages)`.

    A name's files are verified here against its zoo's index; a directory's are checked
    against its own card only (by `_read_card`).
    """
    if not isinstance(name_or_directory, str) or not name_or_directory:
        raise PresetError(f"Expected a preset name (see blur_keras.zoo.names()) or a preset "
                          f"directory; received {name_or_directory!r}.")
    if is_path(name_or_directory):
        directory = os.path.expanduser(name_or_directory)
        if not os.path.isdir(directory):
            raise UnknownPresetError(f"No preset directory at {directory} (an argument with a path "
                              f"separator or ~ is a path; preset names: blur_keras.zoo.names()).")
        return os.path.basename(os.path.normpath(directory)), directory, None, \
            card_source(directory)
    zoo_dir, entry = locate(name_or_directory)
    return (name_or_directory, *_verified_in_zoo(zoo_dir, name_or_directory, entry))


def _verified_in_zoo(zoo_dir: str, name: str, entry: dict) -> tuple[str, str | None, str]:
    """`(directory, fetched weights or None, what its card is called in messages)` of the
    preset `name` of `zoo_dir`, every file checked against the zoo's index (`entry`)."""
    directory = os.path.join(zoo_dir, name)
    records = dict(entry["files"])
    source = index_source(zoo_dir)
    weights = None
    if "url" in entry:        # weights that do not ship: fetched once into the Keras cache
        weights = fetch_weights(name, entry["url"], records.pop(WEIGHTS_FILE), source)
        for file_name, record in records.items():
            check_file(os.path.join(directory, file_name), record, name, source)
    else:
        verify_directory(directory, records, name, source)
    _check_version(name, directory, entry, source)
    return directory, weights, f"its card ({os.path.join(directory, CARD_FILE)})"


def _check_version(name: str, directory: str, entry: dict, source: str) -> None:
    """Refuses a card whose version of the weights is not the one its zoo's index records (both
    default to 1: presets published before versions were recorded)."""
    try:
        with open(os.path.join(directory, CARD_FILE)) as f:
            card = json.load(f)
    except (OSError, ValueError):
        return                      # `_read_card` says what is wrong with it
    indexed = preset_version(entry, name)
    recorded = preset_version(card, name) if isinstance(card, dict) else indexed
    if recorded != indexed:
        raise PresetError(f"Preset {name}: its card is version {recorded} of the weights, "
                          f"{source} records version {indexed}. Nothing was loaded.")


def card_in_zoo(zoo_dir: str, name: str) -> dict:
    """The card of the preset `name` of the zoo `zoo_dir` (which need not be the one the name
    resolves to), after checking every file against that zoo's index and the card."""
    return _read_card(name, *_verified_in_zoo(zoo_dir, name, read_index(zoo_dir)[name]))


def card(name_or_directory: str) -> dict:
    """The card (`metadata.json`) of a preset, after checking its files.

    Args:
        name_or_directory: a preset name (`blur_keras.zoo.names()`) or a preset directory's
            path (see `load`).

    Returns:
        The card as a dict.

    Raises:
        PresetError: unknown preset, or files that fail their check.
    """
    return _read_card(*_resolve(name_or_directory))


def _read_card(preset: str, directory: str, weights: str | None, source: str) -> dict:
    path = os.path.join(directory, CARD_FILE)
    if not os.path.isfile(path):
        raise PresetError(f"Preset {preset}: {CARD_FILE} is missing ({path}).")
    try:
        with open(path) as f:
            card = json.load(f)
        records = card["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise PresetError(f"Preset {preset}: {CARD_FILE} is not a preset card ({error}).") from None
    if not isinstance(records, dict) or WEIGHTS_FILE not in records:
        raise PresetError(f"Preset {preset}: its card records no hash for {WEIGHTS_FILE}.")
    check_file(weights or os.path.join(directory, WEIGHTS_FILE), records[WEIGHTS_FILE], preset,
               source)
    for file_name, record in records.items():      # the curves, where the card records them
        if file_name == WEIGHTS_FILE:
            continue
        if file_name not in OPTIONAL_FILES:
            raise PresetError(f"Preset {preset}: its card records a file {file_name!r}; a card "
                              f"records {WEIGHTS_FILE} and, optionally, {list(OPTIONAL_FILES)}.")
        check_file(os.path.join(directory, file_name), record, preset, source)
    return card


def load(name_or_directory: str, *, include_preprocessing: bool = True,
         seed: int | None = None, compile: bool = True, **overrides: Any) -> keras.Model:
    """A zoo preset as a Keras model with its trained weights, every file verified first.

    By default the model takes raw pixels, as `keras.applications` models do
    with `include_preprocessing=True`: uint8 or float images with values in
    [0, 255] and the card's input shape (e.g. `(28, 28, 1)`); its first layer
    (`PixelStandardization`) standardises them as the preset was trained
    (`pixels / 255, then (x - mean) / std` with the card's mean and std).
    Images already scaled to [0, 1] (or standardised) look like dark images
    to it: the predictions are wrong and confident. With
    `include_preprocessing=False` it is the bare network, which takes
    standardised images (what `blur_keras.data.load` yields).

    A name resolves in the zoos only: the shipped one, and
    `$BLUR_KERAS_ZOO_DIR` when set; each file is checked against the SHA-256
    and size recorded in that zoo's index (and the weights against the
    card's). A path (with a path separator, or starting with `~`) is a
    preset directory, checked against its own card only. A changed,
    truncated or swapped file is refused with an error naming it, before
    anything is built. The architecture is built by the builder the card
    names (a registry name and its arguments: no code is read from a file,
    nothing is unpickled), the weights are read from `model.weights.h5`.

    Args:
        name_or_directory: a preset name (`names()`), or the path of a
            preset directory (e.g. written by `blur_keras.publishing.publish`;
            `./name` for one in the working directory).
        include_preprocessing: take raw pixels (default); False for the bare
            network, which takes standardised images.
        seed: if given, `keras.utils.set_random_seed(seed)` before building,
            so Monte Carlo predictions are reproducible (the cards' metrics
            used seed 0).
        compile: compile with SGD, sparse cross-entropy on logits and accuracy
            (ready for `evaluate` or fine-tuning); False returns it uncompiled.
        **overrides: builder arguments that replace the preset's (e.g.
            `mc_dropout=0.1`, `mc_dropout_seed=1`): the model is built from
            the registry with the card's arguments and these, and the weights
            must still fit it whole.

    Returns:
        The `keras.Model`.

    Raises:
        PresetError: unknown preset, a name that two zoos hold with
            different files, a file that fails its check, or weights that do
            not fit the overridden architecture.

    Example:

    >>> model = blur_keras.zoo.load("resnet_mcdo_smoothing_18.fmnist_w16", seed=0)
    >>> images, labels = blur_keras.data.load_arrays("fashion_mnist", "test")   # uint8 pixels
    >>> probs = blur_keras.predict_proba(model, images, num_samples=10)
    """
    if not isinstance(include_preprocessing, bool):
        raise PresetError(f"include_preprocessing must be True or False; received "
                          f"{include_preprocessing!r}.")
    preset, directory, weights, source = _resolve(name_or_directory)
    preset_card = _read_card(preset, directory, weights, source)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = build_network(preset_card, weights or os.path.join(directory, WEIGHTS_FILE),
                          overrides)
    if include_preprocessing:
        model = with_preprocessing(model, preset_card)
    if compile:
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    return model


def names() -> list[str]:
    """The presets of the zoos (`zoo_directories()`: the shipped one and `$BLUR_KERAS_ZOO_DIR`),
    sorted (`{registry name}.{tag}`)."""
    return sorted({name for zoo_dir in zoo_directories() for name in read_index(zoo_dir)})
