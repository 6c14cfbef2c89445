"""A preset written into a zoo: weights, curves, measured card, README, index, twins and table.

`publish` (one training run) and `publish_ensemble` (several) describe the preset; this writes it
the same way for both.
"""

from __future__ import annotations

import os
import re

import keras

from blur_keras import evaluation
from blur_keras.publishing.budget import check_budget
from blur_keras.publishing.card_curves import write_preset_curves
from blur_keras.publishing.card_evaluation import (
    corruption_images, corruption_summary, preset_evaluation)
from blur_keras.publishing.index import preset_entry, write_index
from blur_keras.publishing.saving import save_preset, write_card
from blur_keras.publishing.image_outcomes import write_outcomes
from blur_keras.publishing.twins import refresh_twins
from blur_keras.publishing.zoo_table import write_zoo_readme
from blur_keras.zoo.files import (
    BUILD_FILE, DEFAULT_VERSION, PresetError, read_build_spec, read_index)

_TAG = re.compile(r"^[a-z0-9_]+$")


def check_name(name: str, model_name: str) -> str:
    """Refuses a preset name other than `{model_name}.{tag}`; returns the tag."""
    model, _, tag = name.partition(".")
    if model != model_name or not _TAG.match(tag):
        raise PresetError(f"Preset names are '{model_name}.<tag>' for this run, the tag in "
                          f"lowercase letters, digits and '_'; received {name!r}.")
    return tag


def spec_version(zoo_dir: str, name: str, version: int | None = None) -> int:
    """The version of a preset's weights: `version` if given, else the one `build.json` sets
    for it, else `DEFAULT_VERSION` (1).

    Raises:
        PresetError: a version that is not an integer from 1.
    """
    if version is None and os.path.isfile(os.path.join(zoo_dir, BUILD_FILE)):
        version = read_build_spec(zoo_dir).get("presets", {}).get(name, {}).get("version")
    version = DEFAULT_VERSION if version is None else version
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PresetError(f"Preset {name}: a version is an integer from 1 (the version of its "
                          f"weights); received {version!r}.")
    return version


def write_preset(zoo_dir: str, model: keras.Model, card: dict, runs: list[tuple[str, str]], *,
                 corruptions: bool, progress: bool, data_dir: str | None,
                 test_subset: int | None) -> dict:
    """Writes the preset `card["name"]` into a zoo, measures its card, indexes it.

    Saves the weights (`save_preset`), copies and plots the runs' curves
    (`write_preset_curves`), evaluates the preset as written
    (`preset_evaluation`, and `corruption_summary` with `corruptions`),
    writes its per-image test outcomes (`write_outcomes`),
    writes the card and README, checks the zoo's size budget, records every
    file in the index, updates the twin comparisons of the zoo's cards
    (`refresh_twins`) and regenerates the zoo's README table.

    Args:
        zoo_dir: the zoo.
        model: the trained model, as the card's `builder` builds it.
        card: what the preset is (`name`, `version`, `builder`, `dataset`, `splits`,
            `training`, ...); `curves`, `evaluation`, `corruptions`, `parameters` and
            `files` (with `test_outcomes.json`) are filled in here.
        runs: `(label, run directory)` of the training runs (their curves).
        corruptions, progress, data_dir, test_subset: see `publish`.

    Returns:
        The card as written (with its twin comparison, when its twin is in the zoo).

    Raises:
        PresetError: the zoo would exceed its size budget, or a preset of it fails its check.
    """
    name = card["name"]
    directory = os.path.join(zoo_dir, name)
    say = print if progress else (lambda *_: None)
    draft = save_preset(model, directory, {"name": name, "builder": card["builder"]})
    curves, curve_records = write_preset_curves(directory, runs, name)
    card = {**card, "parameters": int(model.count_params()), "curves": curves}
    card["evaluation"], outcomes = preset_evaluation(
        directory, card["dataset"], evaluation.is_stochastic(model), test_subset,
        card["splits"]["test"], data_dir, say)
    outcome_records = write_outcomes(directory, outcomes)
    if corruptions:
        say(f"{name}: generated corruptions")
        card["corruptions"] = corruption_summary(directory, card["dataset"], data_dir,
                                                 images=corruption_images(test_subset))
    write_card(directory, card, {**draft["files"], **curve_records, **outcome_records})
    check_budget(zoo_dir, name)
    index = read_index(zoo_dir)
    index[name] = preset_entry(directory, card["version"])
    write_index(index, zoo_dir)
    refresh_twins(zoo_dir)
    write_zoo_readme(zoo_dir)
    from blur_keras.zoo.preset import card_in_zoo
    return card_in_zoo(zoo_dir, name)
