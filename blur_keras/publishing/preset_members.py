"""An ensemble's member taken from a published preset when its training run is not here.

An ensemble preset repeats a single-network preset's recipe with other seeds, and its member for
that preset's own seed *is* the preset's run. On a machine where that run directory is gone (the
preset was built elsewhere), the zoo still holds the run's final weights, its configuration, its
curves and its test numbers: `member_from_preset` writes them as a finished run directory that
`publish_ensemble` reads like any other, instead of training the same network again.
"""

from __future__ import annotations

import json
import os
import shutil

from blur_keras.zoo.files import CURVES_FILE, read_index

#: What the directory written from a preset is called, after the preset's name.
SUFFIX = ".from_zoo"


def recipe_differences(card: dict, options: dict) -> list[str]:
    """What differs between the training recorded in a preset's `card` and the training
    `options` (`TrainConfig` keyword arguments, model included), as `run_directory.differences`
    words it; empty when the preset was trained with those options."""
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import NOT_IDENTITY, differences, identity
    recorded = {key: value for key, value in card["training"]["config"].items()
                if key not in NOT_IDENTITY}
    return differences(recorded, identity(TrainConfig(model_dir=".", **options).resolved()))


def trained_with(preset: str, options: dict, zoo_dir: str) -> bool:
    """Whether the zoo `zoo_dir` publishes `preset` trained with the training `options`."""
    from blur_keras.zoo.preset import card_in_zoo
    if preset not in read_index(zoo_dir):
        return False
    return not recipe_differences(card_in_zoo(zoo_dir, preset), options)


def published_as(preset: str, zoo_dir: str) -> dict:
    """What identifies the `preset` the zoo `zoo_dir` publishes now: its name, version and the
    sha256 of each of its files, as its index records them."""
    record = read_index(zoo_dir)[preset]
    return {"name": preset, "version": record.get("version"),
            "sha256": {name: file["sha256"] for name, file in sorted(record["files"].items())}}


def _written_from(result_path: str) -> dict | None:
    """The `"preset"` record of a run directory's `result.json`: None without one."""
    if not os.path.isfile(result_path):
        return None
    with open(result_path) as f:
        return json.load(f).get("preset")


def member_from_preset(preset: str, zoo_dir: str, run_dir: str) -> str:
    """Writes the published `preset` as a finished run directory (`model.keras`, `result.json`,
    `curves.json`) in `run_dir` and returns it. One written from the preset the zoo publishes
    now is returned as it is; one written from an earlier publication (another version, or any
    file changed) is written again.

    The weights are the preset's, loaded and verified by `zoo.load`; `result.json` holds the
    card's training configuration, steps, training time and test numbers, and says where it
    comes from (`"source"`, and `"preset"`: `published_as`).
    """
    from blur_keras import zoo
    from blur_keras.zoo.preset import card_in_zoo
    result_path = os.path.join(run_dir, "result.json")
    published = published_as(preset, zoo_dir)
    if _written_from(result_path) == published:
        return run_dir
    card = card_in_zoo(zoo_dir, preset)
    directory = os.path.join(os.path.abspath(zoo_dir), preset)
    os.makedirs(run_dir, exist_ok=True)
    for name in ("result.json", "model.keras", CURVES_FILE):      # an earlier publication's
        if os.path.isfile(os.path.join(run_dir, name)):
            os.remove(os.path.join(run_dir, name))
    zoo.load(directory, include_preprocessing=False, compile=False).save(
        os.path.join(run_dir, "model.keras"))
    curves = os.path.join(directory, CURVES_FILE)
    if os.path.isfile(curves):
        shutil.copyfile(curves, os.path.join(run_dir, CURVES_FILE))
    training = card["training"]
    result = {"status": "finished", "config": training["config"], "steps": training["steps"],
              "training_seconds": training["wall_seconds"],
              "test": card["evaluation"]["test"], "validation": None,
              "splits": card["splits"].get("slices"), "versions": card["versions"],
              "history": training.get("history"), "preset": published,
              "source": f"zoo preset {preset} (version {card['version']}): its weights, "
                        f"configuration, curves and test numbers"}
    with open(result_path + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(result_path + ".tmp", result_path)
    return run_dir
