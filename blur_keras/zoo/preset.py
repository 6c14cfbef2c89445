"""A preset on disk: save a model with its card, load it back verified, in safe mode."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import keras

from blur_keras.zoo.cards import write_card_readme
from blur_keras.zoo.files import (
    CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, PresetError, check_file, file_record, read_index,
    verify_directory, zoo_directory)
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
    card = {**card, "files": records}
    with open(os.path.join(directory, CARD_FILE), "w") as f:
        json.dump(card, f, indent=2)
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


def _resolve(name_or_directory: str) -> tuple[str, str, str | None]:
    """`(preset name, directory, weights path)`; verifies the files against the index."""
    if not isinstance(name_or_directory, str) or not name_or_directory:
        raise PresetError(f"Expected a preset name (see blur_keras.zoo.names()) or a preset "
                          f"directory; received {name_or_directory!r}.")
    if os.path.isdir(name_or_directory):
        directory = name_or_directory
        return os.path.basename(os.path.normpath(directory)), directory, None
    zoo_dir = zoo_directory()
    index = read_index(zoo_dir)
    if name_or_directory not in index:
        import difflib
        close = difflib.get_close_matches(name_or_directory, list(index), n=3, cutoff=0.5)
        raise PresetError(f"Unknown preset {name_or_directory!r}"
                          f"{'; closest: ' + ', '.join(close) if close else ''}. "
                          f"Presets in {zoo_dir}: {', '.join(sorted(index)) or 'none'}.")
    entry = index[name_or_directory]
    directory = os.path.join(zoo_dir, name_or_directory)
    records = dict(entry["files"])
    weights = None
    if "url" in entry:        # weights that do not ship: fetched once into the Keras cache
        weights = fetch_weights(name_or_directory, entry["url"], records.pop(WEIGHTS_FILE))
        for name, record in records.items():
            check_file(os.path.join(directory, name), record, name_or_directory)
    else:
        verify_directory(directory, records, name_or_directory)
    return name_or_directory, directory, weights


def card(name_or_directory: str) -> dict:
    """The card (`metadata.json`) of a preset, after checking its files.

    Args:
        name_or_directory: a preset name (`blur_keras.zoo.names()`) or directory.

    Returns:
        The card as a dict.

    Raises:
        PresetError: unknown preset, or files that fail their check.
    """
    preset, directory, weights = _resolve(name_or_directory)
    return _read_card(preset, directory, weights)


def _read_card(preset: str, directory: str, weights: str | None) -> dict:
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
                   records[name], preset)
    return card


def load(name_or_directory: str, *, seed: int | None = None, compile: bool = True,
         **overrides: Any) -> keras.Model:
    """A zoo preset as a Keras model with its trained weights, every file verified first.

    Each file is checked against the SHA-256 and size recorded in the zoo
    index (and the config and weights against the card's): a changed,
    truncated or swapped file is refused with an error naming it, before
    anything is built. The architecture is rebuilt from `config.json` with
    Keras' safe mode on (no code is deserialised, nothing is unpickled),
    the weights are read from `model.weights.h5`.

    Args:
        name_or_directory: a preset name (`names()`), or a preset directory
            (e.g. written by `publish` or `save_preset`).
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
        PresetError: unknown preset, a file that fails its check, or weights
            that do not fit the overridden architecture.

    Example:

    >>> model = blur_keras.zoo.load("resnet_mcdo_smoothing_18.fmnist_w16", seed=0)
    >>> probs = blur_keras.predict_proba(model, images, num_samples=10)
    """
    preset, directory, weights = _resolve(name_or_directory)
    preset_card = _read_card(preset, directory, weights)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = build_from_files(directory, weights)
    if overrides:
        from blur_keras import protocol
        rebuilt = protocol.build_model(preset_card["model"], preset_card["dataset"],
                                       {**preset_card.get("model_args", {}), **overrides})
        model = transfer_weights(model, rebuilt, preset)
    if compile:
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    return model


def build_from_files(directory: str, weights: str | None = None) -> keras.Model:
    """The model of a preset directory: `config.json` in safe mode, then the weights.

    No hash is checked here (`load` verifies first); `publish` evaluates
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
    """The presets of the zoo, sorted (`{registry name}.{tag}`)."""
    return sorted(read_index())
