"""`publish`: a finished training run becomes a zoo preset, with a fresh, seeded evaluation."""

from __future__ import annotations

import datetime
import os
import platform
import shlex

import keras

from blur_keras import data, models, protocol
from blur_keras.citation import paper_reference
from blur_keras.publishing.preset_writer import check_name, spec_version, write_preset
from blur_keras.publishing.runs import read_finished_run, run_splits, train_command
from blur_keras.zoo.architecture import registry_builder
from blur_keras.zoo.files import BUILD_FILE, read_build_spec, zoo_directory
from blur_keras.zoo.preprocessing import SCALING

#: The command that rebuilds every shipped preset (written in each card).
BUILD_COMMAND = "python -m blur_keras.zoo build"
LICENSE = "Apache-2.0"

__all__ = ["BUILD_COMMAND", "LICENSE", "card_basics", "publish", "rebuild_command",
           "train_command"]


def rebuild_command(name: str, zoo_dir: str, publish_flags: str) -> str:
    """The one command that rebuilds the preset: the zoo's `build` for a preset of its
    `build.json`, else `publish` with `publish_flags` (after the runs' `train_command`)."""
    if os.path.isfile(os.path.join(zoo_dir, BUILD_FILE)) and \
            name in read_build_spec(zoo_dir).get("presets", {}):
        return BUILD_COMMAND
    return f"python -m blur_keras.zoo publish {publish_flags} --name={name}"


def card_basics(name: str, config: dict, result: dict, version: int,
                test_subset: int | None) -> dict:
    """What every card of a run's model says before it is measured: name, version, builder,
    dataset, the images of each role, preprocessing, library versions, date, license,
    citation."""
    spec = models.parse(config["model"]).with_arguments(**(config.get("model_args") or {}))
    dataset = data.get_spec(config["dataset"])
    return {
        "name": name, "version": version,
        "builder": registry_builder(protocol.for_dataset(spec, config["dataset"],
                                                         config.get("kl_weight"))),
        "dataset": config["dataset"],
        "splits": run_splits(config, test_subset),
        "preprocessing": {"input_shape": list(dataset.image_shape), "mean": list(dataset.mean),
                          "std": list(dataset.std), "scaling": SCALING,
                          "labels": list(dataset.label_names or [])},
        "versions": result["versions"],
        "date": datetime.date.today().isoformat(),
        "license": LICENSE,
        "citation": paper_reference(),
    }


def machine() -> str:
    """The machine a card says its preset was published on."""
    return f"{os.cpu_count()}-core {platform.machine()} CPU"


def publish(run_dir: str, name: str, zoo_dir: str | None = None, *, notes=(),
            corruptions: bool = True, progress: bool = True, data_dir: str | None = None,
            test_subset: int | None = None, version: int | None = None) -> dict:
    """Turns a finished training run into the preset `name` of a zoo, and indexes it.

    Reads the run's `result.json` (status `finished`) and `model.keras`,
    writes the preset's weights and a card naming the registry builder of
    its architecture (the run's model and its builder arguments under the
    dataset's protocol), copies the run's `curves.json` with a plot of it
    (`curves.png`; a card of a run without curves says so), evaluates the
    preset as written (seed `EVALUATION_SEED`; the full test split at N = 1,
    2, 5, 10, 20 and 50 from one 50-sample pass for stochastic models, N = 1
    otherwise; the first 1,000 test images; the generated corruptions),
    writes its card and README, records every file's SHA-256 and size in the
    zoo index with the version, compares it with its deterministic twin
    where that is in the zoo (and its stochastic twins with it), and
    regenerates the zoo's README table.

    Args:
        run_dir: a `python -m blur_keras.training` run directory.
        name: `{registry name}.{tag}`, e.g. `resnet_mcdo_18.fmnist_w16`.
        zoo_dir: the zoo (default `zoo_directory()`).
        notes: lines for the card's notes.
        corruptions: add the generated-corruption summary.
        progress: print progress.
        data_dir: where the dataset is (see `blur_keras.data.load`).
        test_subset: evaluate on the first N test images only (quick presets
            and tests; the card says so). Shipped presets use the full split.
        version: the version of the weights (default: the one `build.json` sets for `name`,
            else 1).

    Returns:
        The card.

    Raises:
        PresetError: the run is not finished, the name does not fit it, a bad
            version, or the zoo would exceed its size budget.

    Example:

    >>> publish("runs/resnet_mcdo_18", "resnet_mcdo_18.mine", "my_zoo")["evaluation"]["test"]["10"]
    """
    zoo_dir = zoo_dir or zoo_directory()
    result = read_finished_run(run_dir)
    config = result["config"]
    check_name(name, config["model"])
    version = spec_version(zoo_dir, name, version)
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
    card = card_basics(name, config, result, version, test_subset)
    card["training"] = {
        "command": rebuild_command(name, zoo_dir, f"--run_dir={shlex.quote(run_dir)}"),
        "train_command": train_command(config),
        "config": config, "seed": config["seed"], "epochs": config["epochs"],
        "warmup_epochs": config["warmup_epochs"],
        "precision": config["mixed_precision"].replace("none", "float32"),
        "steps": result["steps"],
        "wall_seconds": result.get("training_seconds") or result["training_seconds_this_session"],
        "machine": machine(), "history": result["history"]}
    card["notes"] = list(notes)
    return write_preset(zoo_dir, model, card, [(f"seed {config['seed']}", run_dir)],
                        corruptions=corruptions, progress=progress, data_dir=data_dir,
                        test_subset=test_subset)
