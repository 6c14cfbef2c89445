"""A preset on disk: save a model with its card, load it back verified, in safe mode."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import keras

from blur_keras.json_output import strict
from blur_keras.zoo.cards import write_card_readme
from blur_keras.zoo.files import (
    CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, PresetError, UnknownPresetError, card_source,
    check_file, file_record, index_source, is_path, locate, read_index, verify_directory,
    zoo_directories)
from blur_keras.zoo.preprocessing import with_preprocessing
from blur_keras.zoo.remote import fetch_weights


def write_model_files(model: keras.Model, directory: str) -> dict:
    """Writes `config.json` and `model.weights.h5`; returns their `{name: record}`."""
    os.makedirs(directory, exist_ok=True)
    config_path = os.path.join(directory, CONFIG_FILE)
    with open(config_path, "w") as f:
        json.dump(keras.saving.serialize_keras_object(model), f, indent=1)
        f.write("\n")
    weights_path = os.path.join(directory, WEIGHTS_FILE)
    model.save_weights(weights_path)
    return {CONFIG_FILE: file_record(config_path), WEIGHTS_FILE: file_record(weights_path)}


def write_card(directory: str, card: dict, records: dict) -> dict:
    """Writes `metadata.json` (the card, with the model files' `records`) and `README.md`."""
    card = strict({**card, "files": records})     # a metric that does not exist is null
    with open(os.path.join(directory, CARD_FILE), "w") as f:
        json.dump(card, f, indent=2, allow_nan=False)
        f.write("\n")
    if "training" in card:       # a full card (not the draft of `publish`)
        write_card_readme(card, directory)
    return card


def save_preset(model: keras.Model, directory: str, card: dict) -> dict:
    """Writes a preset directory: `config.json`, `model.weights.h5`, `metadata.json`, `README.md`.

    The card (`metadata.json`) records the SHA-256 and size of the config and
    the weights, so a preset directory verifies itself even outside a zoo.
    `README.md` is generated from a full card (one with `training`, as
    `publish` writes).

    Args:
        model: the trained model.
        directory: the preset directory (created; files in it are replaced).
        card: what the preset is (see `blur_keras.zoo.publish` for the
            fields); `files` is filled in here.

    Returns:
        The card as written.

    Example:

    >>> save_preset(model, "my_zoo/resnet_mcdo_18.mine", {"name": "resnet_mcdo_18.mine"})
    """
    return write_card(directory, card, write_model_files(model, directory))


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
    return directory, weights, f"its card ({os.path.join(directory, CARD_FILE)})"


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
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if name not in records:
            raise PresetError(f"Preset {preset}: its card records no hash for {name}.")
        check_file(weights if name == WEIGHTS_FILE and weights else os.path.join(directory, name),
                   records[name], preset, source)
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
    and size recorded in that zoo's index (and the config and weights
    against the card's). A path (with a path separator, or starting with `~`)
    is a preset directory, checked against its own card only. A changed,
    truncated or swapped file is refused with an error naming it, before
    anything is built. The architecture is rebuilt from `config.json` with
    Keras' safe mode on (no code is deserialised, nothing is unpickled),
    the weights are read from `model.weights.h5`.

    Args:
        name_or_directory: a preset name (`names()`), or the path of a
            preset directory (e.g. written by `publish` or `save_preset`;
            `./name` for one in the working directory).
        include_preprocessing: take raw pixels (default); False for the bare
            network, which takes standardised images.
        seed: if given, `keras.utils.set_random_seed(seed)` before building,
            so Monte Carlo predictions are reproducible (the cards' metrics
            used seed 0).
        compile: compile with SGD, sparse cross-entropy on logits and accuracy
            (ready for `evaluate` or fine-tuning); False returns it uncompiled.
        **overrides: builder arguments that replace the preset's (e.g.
            `mc_dropout=0.1`, `mc_dropout_seed=1`): the model is then rebuilt
            from the registry with the card's arguments plus these, and the
            weights must still fit.

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
    model = build_from_files(directory, weights)
    if overrides:
        from blur_keras import protocol
        rebuilt = protocol.build_model(preset_card["model"], preset_card["dataset"],
                                       {**preset_card.get("model_args", {}), **overrides})
        model = transfer_weights(model, rebuilt, preset)
    if include_preprocessing:
        model = with_preprocessing(model, preset_card)
    if compile:
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    return model


def build_from_files(directory: str, weights: str | None = None) -> keras.Model:
    """The bare network of a preset directory: `config.json` in safe mode, then the weights.

    It takes standardised images (no `PixelStandardization` in front). No
    hash is checked here (`load` verifies first); `publish` evaluates
    presets through this. Weights that would load only in part (Keras warns
    and keeps fresh values) are refused.

    Args:
        directory: the preset directory.
        weights: the weights file (default: the directory's).

    Raises:
        PresetError: the config does not build, or the weights do not fit.
    """
    preset = os.path.basename(os.path.normpath(directory))
    with open(os.path.join(directory, CONFIG_FILE)) as f:
        config = json.load(f)
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:     # a config edited by hand can fail in many ways
        raise PresetError(f"Preset {preset}: {CONFIG_FILE} does not build a model "
                          f"({type(error).__name__}: {error}).") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(weights or os.path.join(directory, WEIGHTS_FILE))
        except Exception as error:    # shapes that do not fit raise several types
            raise PresetError(f"Preset {preset}: the weights do not fit the architecture: "
                              f"{error}") from None
    partial = [str(w.message) for w in caught if "retain their freshly-initialized" in
               str(w.message) or "Skipping" in str(w.message)]
    if partial:
        raise PresetError(f"Preset {preset}: the weights fit the architecture only in part "
                          f"({partial[0][:200]}).")
    return model


def transfer_weights(source: keras.Model, target: keras.Model, preset: str) -> keras.Model:
    """Copies every weight of `source` into the layer of the same name in `target`.

    Every weight-bearing layer must exist in both with the same shapes:
    nothing is left at its initial value, nothing is dropped.

    Raises:
        PresetError: naming the first layer that differs.
    """
    def weighted(model):
        return {layer.name: layer for layer in model.layers if layer.weights}
    have, want = weighted(source), weighted(target)
    if set(have) != set(want):
        differ = sorted(set(have) ^ set(want))
        raise PresetError(f"Preset {preset}: the weights do not fit the overridden "
                          f"architecture (layers {differ[:5]} are in only one of them).")
    for name, layer in want.items():
        values = have[name].get_weights()
        shapes = [tuple(v.shape) for v in values]
        if shapes != [tuple(w.shape) for w in layer.weights]:
            raise PresetError(f"Preset {preset}: the weights do not fit the overridden "
                              f"architecture (layer {name}: {shapes} vs "
                              f"{[tuple(w.shape) for w in layer.weights]}).")
        layer.set_weights(values)
    return target


def names() -> list[str]:
    """The presets of the zoos (`zoo_directories()`: the shipped one and `$BLUR_KERAS_ZOO_DIR`),
    sorted (`{registry name}.{tag}`)."""
    return sorted({name for zoo_dir in zoo_directories() for name in read_index(zoo_dir)})
