"""`publish_ensemble`: finished runs of one model and recipe, other seeds, become an `Ensemble`
preset.

A deep ensemble (Lakshminarayanan et al., 2017) of K networks is named `{registry
name}.{tag}_ens{K}`: `resnet_dnn_18.fmnist_w16_ens3` is three `resnet_dnn_18` networks trained
with the recipe of `resnet_dnn_18.fmnist_w16` from three seeds, and predicts the mean of their
probabilities (`blur_keras.Ensemble`). Its card names its members' builders, seeds and runs.
"""

from __future__ import annotations

import os
import shlex

import keras

from blur_keras.predict import Ensemble
from blur_keras.publishing.ensemble_names import ensemble_of
from blur_keras.publishing.from_run import card_basics, machine, rebuild_command
from blur_keras.publishing.preset_writer import check_name, spec_version, write_preset
from blur_keras.publishing.runs import read_finished_run, train_command
from blur_keras.zoo.architecture import ensemble_builder
from blur_keras.zoo.files import PresetError, zoo_directory

#: How a card says its ensemble was made.
HOW = ("Deep ensemble (Lakshminarayanan et al., 2017): {size} networks of one model and one "
       "recipe, trained independently from seeds {seeds}, each a finished run of "
       "`python -m blur_keras.training`; the preset predicts the mean of their probabilities "
       "(`blur_keras.Ensemble`, logits log(mean softmax)), one forward pass of every network.")


def _recipe(config: dict) -> dict:
    """What must be equal in the runs of one ensemble: the configuration but the seed."""
    from blur_keras.training.run_directory import ADDED_FIELDS, NOT_IDENTITY
    return {**ADDED_FIELDS, **{key: value for key, value in config.items()
                               if key not in NOT_IDENTITY and key != "seed"}}


def check_members(name: str, results: list[dict], run_dirs: list[str]) -> list[int]:
    """Refuses runs that do not make the ensemble `name`; returns their seeds.

    Raises:
        PresetError: not K runs, runs of another model, of different recipes, or a seed twice.
    """
    _, size = ensemble_of(name)
    if len(results) != size:
        raise PresetError(f"{name} is an ensemble of {size} networks; received {len(results)} "
                          f"run directories: {run_dirs}.")
    for result in results:
        check_name(name, result["config"]["model"])
    recipes = [_recipe(result["config"]) for result in results]
    for run_dir, recipe in zip(run_dirs[1:], recipes[1:]):
        differ = sorted(key for key in set(recipe) | set(recipes[0])
                        if recipe.get(key) != recipes[0].get(key))
        if differ:
            raise PresetError(f"The runs of an ensemble share one recipe and differ in the seed "
                              f"only; {run_dir} differs from {run_dirs[0]} in {differ}.")
    seeds = [result["config"]["seed"] for result in results]
    if len(set(seeds)) != len(seeds):
        raise PresetError(f"The runs of an ensemble have distinct seeds; received seeds {seeds} "
                          f"from {run_dirs}.")
    return seeds


def publish_ensemble(run_dirs: list[str], name: str, zoo_dir: str | None = None, *, notes=(),
                     corruptions: bool = True, progress: bool = True,
                     data_dir: str | None = None, test_subset: int | None = None,
                     version: int | None = None) -> dict:
    """Turns finished runs of one model and recipe (other seeds) into an `Ensemble` preset.

    Loads each run's `model.keras` (safe mode), writes the `Ensemble` of them
    as the preset's weights with a card naming each member's registry builder
    (`{"kind": "ensemble", "members": [...]}`), its members (seed, run, their
    own test numbers from their runs), how it was made, the members' curves
    and the evaluation of the preset as written; then indexes it, compares it
    with the single-network preset it is made of (when in the zoo) and
    regenerates the zoo's table, as `publish` does.

    Args:
        run_dirs: the members' run directories, in the order of the ensemble.
        name: `{registry name}.{tag}_ens{K}` (see `ensemble_of`).
        zoo_dir, notes, corruptions, progress, data_dir, test_subset, version: see `publish`.

    Returns:
        The card.

    Raises:
        PresetError: a run that did not finish, runs that do not make this ensemble (see
            `check_members`), a bad name or version, or a zoo over its size budget.

    Example:

    >>> publish_ensemble(["runs/dnn_seed0", "runs/dnn_seed1", "runs/dnn_seed2"],
    ...                  "resnet_dnn_18.fmnist_w16_ens3")["ensemble"]["seeds"]
    [0, 1, 2]
    """
    zoo_dir = zoo_dir or zoo_directory()
    run_dirs = [os.path.expanduser(run_dir) for run_dir in run_dirs]
    of, size = ensemble_of(name)
    results = [read_finished_run(run_dir) for run_dir in run_dirs]
    seeds = check_members(name, results, run_dirs)
    version = spec_version(zoo_dir, name, version)
    members = [keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
               for run_dir in run_dirs]
    ensemble = Ensemble(members, name=name.replace(".", "_"))
    ensemble.build((None,) + tuple(ensemble.expected_input_shape or ()))
    config = results[0]["config"]
    card = card_basics(name, config, results[0], version, test_subset)
    member_builder = card["builder"]
    card["builder"] = ensemble_builder([member_builder] * size)
    flags = "--run_dirs=" + shlex.quote(",".join(run_dirs))
    card["training"] = {
        "command": rebuild_command(name, zoo_dir, flags),
        "train_command": train_command(config),
        "config": config, "seed": seeds, "epochs": config["epochs"],
        "warmup_epochs": config["warmup_epochs"],
        "precision": config["mixed_precision"].replace("none", "float32"),
        "steps": sum(result["steps"] for result in results),
        "wall_seconds": sum(result.get("training_seconds")
                            or result["training_seconds_this_session"] for result in results),
        "machine": machine()}
    card["ensemble"] = {
        "of": of, "size": size, "seeds": seeds,
        "how": HOW.format(size=size, seeds=", ".join(str(s) for s in seeds)),
        "members": [{"seed": result["config"]["seed"],
                     "run": os.path.basename(os.path.normpath(run_dir)),
                     "train_command": train_command(result["config"]),
                     "steps": result["steps"],
                     "test": result.get("test"), "validation": result.get("validation"),
                     "splits": result.get("splits")}
                    for run_dir, result in zip(run_dirs, results)]}
    card["notes"] = list(notes)
    return write_preset(zoo_dir, ensemble, card,
                        [(f"seed {seed}", run_dir) for seed, run_dir in zip(seeds, run_dirs)],
                        corruptions=corruptions, progress=progress, data_dir=data_dir,
                        test_subset=test_subset)
