"""`publish`: a finished training run becomes a zoo preset, with a fresh, seeded evaluation."""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shlex

import keras

from blur_keras import data, evaluation, models, protocol
from blur_keras.citation import paper_reference
from blur_keras.publishing.card_evaluation import (
    corruption_images, corruption_summary, preset_evaluation)
from blur_keras.publishing.index import preset_entry, write_index
from blur_keras.publishing.saving import save_preset, write_card
from blur_keras.publishing.zoo_table import write_zoo_readme
from blur_keras.zoo.architecture import registry_builder
from blur_keras.zoo.files import (
    BUILD_FILE, PresetError, read_build_spec, read_index, zoo_directory)
from blur_keras.zoo.preprocessing import SCALING

#: The command that rebuilds every shipped preset (written in each card).
BUILD_COMMAND = "python -m blur_keras.zoo build"
LICENSE = "Apache-2.0"
_TAG = re.compile(r"^[a-z0-9_]+$")


def train_command(config: dict) -> str:
    """The `python -m blur_keras.training` line that trains a run with `config`."""
    flags = ["--model", config["model"], "--dataset", config["dataset"]]
    if config.get("model_args"):
        flags += ["--model_args", json.dumps(config["model_args"])]
    for key in ("epochs", "batch_size", "lr", "warmup_epochs", "gamma", "weight_decay",
                "mixed_precision", "seed"):
        flags += [f"--{key}", str(config[key])]
    flags += ["--milestones", ",".join(str(m) for m in config["milestones"])]
    if config.get("train_subset"):
        flags += ["--train_subset", str(config["train_subset"])]
    flags += ["--model_dir", "runs/" + config["model"]]
    return "python -m blur_keras.training " + " ".join(
        f"{flag}={shlex.quote(value)}" for flag, value in zip(flags[::2], flags[1::2]))


def _rebuild_command(name: str, zoo_dir: str, run_dir: str) -> str:
    """The one command that rebuilds the preset: the zoo's `build` for a preset of its
    `build.json`, else `publish` of the run (after its `train_command`)."""
    if os.path.isfile(os.path.join(zoo_dir, BUILD_FILE)) and \
            name in read_build_spec(zoo_dir).get("presets", {}):
        return BUILD_COMMAND
    return f"python -m blur_keras.zoo publish --run_dir={shlex.quote(run_dir)} --name={name}"


def _train_split(subset: int | None, examples: int) -> str:
    """The card's words for the training images a run used."""
    if subset and subset < examples:
        return f"train split, first {subset} images"
    return f"train split, all {examples} images"


def publish(run_dir: str, name: str, zoo_dir: str | None = None, *, notes=(),
            corruptions: bool = True, progress: bool = True, data_dir: str | None = None,
            test_subset: int | None = None) -> dict:
    """Turns a finished training run into the preset `name` of a zoo, and indexes it.

    Reads the run's `result.json` (status `finished`) and `model.keras`,
    writes the preset's weights and a card naming the registry builder of
    its architecture (the run's model and its builder arguments under the
    dataset's protocol), evaluates the preset as written
    (seed `EVALUATION_SEED`; the full test split at N = 1, 2, 5, 10 and 50
    for stochastic models, N = 1 otherwise; the first 1,000 test images;
    the generated corruptions), writes its card and README, records every
    file's SHA-256 and size in the zoo index and regenerates the zoo's
    README table.

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

    Returns:
        The card.

    Raises:
        PresetError: the run is not finished, was fine-tuned (`init_from`), or the
            name does not fit it.
    """
    zoo_dir = zoo_dir or zoo_directory()
    result_path = os.path.join(run_dir, "result.json")
    if not os.path.isfile(result_path):
        raise PresetError(f"{run_dir} holds no result.json: not a finished training run.")
    with open(result_path) as f:
        result = json.load(f)
    if result.get("status") != "finished":
        raise PresetError(f"The run in {run_dir} is not finished (status "
                          f"{result.get('status')!r}); only finished runs are published.")
    config = result["config"]
    if config.get("init_from") is not None or config.get("retrofit") is not None:
        raise PresetError(f"The run in {run_dir} was fine-tuned from {config.get('init_from')}"
                          f"{' and retrofitted' if config.get('retrofit') is not None else ''}: "
                          f"a preset's card names a registry builder and one training command, "
                          f"which cannot say how it was made; such runs are not published.")
    model_name, _, tag = name.partition(".")
    if model_name != config["model"] or not _TAG.match(tag):
        raise PresetError(f"Preset names are '{config['model']}.<tag>' for this run, the tag in "
                          f"lowercase letters, digits and '_'; received {name!r}.")
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
    directory = os.path.join(zoo_dir, name)
    spec = models.parse(config["model"]).with_arguments(**(config.get("model_args") or {}))
    builder = registry_builder(protocol.for_dataset(spec, config["dataset"],
                                                    config.get("kl_weight")))
    draft = save_preset(model, directory, {"name": name, "builder": builder})   # what is evaluated
    stochastic = evaluation.is_stochastic(model)
    say = print if progress else (lambda *_: None)
    spec = data.get_spec(config["dataset"])
    epoch_seconds = result.get("training_seconds") or result["training_seconds_this_session"]
    card = {
        "name": name, "builder": builder,
        "parameters": int(model.count_params()), "dataset": config["dataset"],
        "splits": {"train": _train_split(config.get("train_subset"), spec.train_examples),
                   "test": f"{spec.test_split} split, "
                           f"{'first ' + str(test_subset) if test_subset else 'all'} images"},
        "preprocessing": {"input_shape": list(spec.image_shape), "mean": list(spec.mean),
                          "std": list(spec.std),
                          "scaling": SCALING,
                          "labels": list(spec.label_names or [])},
        "training": {"command": _rebuild_command(name, zoo_dir, run_dir),
                     "train_command": train_command(config),
                     "config": config, "seed": config["seed"], "epochs": config["epochs"],
                     "warmup_epochs": config["warmup_epochs"],
                     "precision": config["mixed_precision"].replace("none", "float32"),
                     "steps": result["steps"], "wall_seconds": epoch_seconds,
                     "machine": f"{os.cpu_count()}-core {platform.machine()} CPU",
                     "history": result["history"]},
        "versions": result["versions"],
        "date": datetime.date.today().isoformat(),
        "license": LICENSE,
        "citation": paper_reference(),
        "evaluation": preset_evaluation(directory, config["dataset"], stochastic, test_subset,
                                        data_dir, say),
        "notes": list(notes),
    }
    if corruptions:
        say(f"{name}: generated corruptions")
        card["corruptions"] = corruption_summary(directory, config["dataset"], data_dir,
                                                 images=corruption_images(test_subset))
    card = write_card(directory, card, draft["files"])
    index = read_index(zoo_dir)
    index[name] = preset_entry(directory)
    write_index(index, zoo_dir)
    write_zoo_readme(zoo_dir)
    return card
