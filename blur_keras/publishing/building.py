"""`build`: the one command that rebuilds every shipped preset (train, gate, publish, index,
table)."""

from __future__ import annotations

import os

from blur_keras.publishing.build_spec import BuildEntry, build_order, read_entries
from blur_keras.publishing.ensembles import publish_ensemble
from blur_keras.publishing.from_run import publish
from blur_keras.publishing.preset_members import SUFFIX, member_from_preset, trained_with
from blur_keras.publishing.shipping import NOT_SHIPPED_FILE, record_not_shipped, shortfall
from blur_keras.zoo.files import (BUILD_FILE, PresetError, preset_training_options,
                                  zoo_directory)


def _train(entry: BuildEntry, run_dir: str, verbose: int, zoo_dir: str, **changes) -> dict:
    """Trains (or resumes, or returns the finished) run of `entry` in `run_dir`, with the
    options `preset_training_options` reads (what the reproduction study's seed 0 trains)."""
    from blur_keras.training import TrainConfig, train
    sizes = sorted({1, (entry.ship_if or {}).get("n", 1)})
    options = {**preset_training_options(entry.name, zoo_dir),
               "eval_ensemble_sizes": tuple(sizes), **changes}
    return train(TrainConfig(model_dir=run_dir, verbose=verbose, **options))


def _given_run(entry: BuildEntry, seed: int, run_dir: str) -> str:
    """A finished run `build.json` names for a member: refused unless it is the recipe's run."""
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import check
    config = TrainConfig(model=entry.model, model_dir=run_dir,
                         **{**entry.options, "seed": seed}).resolved()
    try:
        finished = check(config)
    except ValueError as error:
        raise PresetError(f"{entry.name}: the run given for seed {seed} is not this recipe's "
                          f"({error}).") from None
    if finished is None:
        raise PresetError(f"{entry.name}: the run given for seed {seed} in {run_dir} is not "
                          f"finished; the build does not train into directories it is given.")
    return run_dir


def member_runs(entry: BuildEntry, base: BuildEntry, runs_dir: str, verbose: int,
                zoo_dir: str) -> list[str]:
    """The finished runs of an ensemble's members, trained where missing.

    Each seed's run is, in order: the run `build.json` gives for it
    (`runs`, relative to `runs_dir`), checked to be a finished run of the
    recipe; the run of the single-network preset it repeats, for that
    preset's seed (`runs_dir/<ensemble_of>`), or where that run is not there and the zoo
    publishes that preset trained with the recipe, the preset itself (`member_from_preset`,
    written in `runs_dir/<ensemble_of>.from_zoo`); else `runs_dir/<preset>_seed<k>`,
    trained (or resumed) here.
    """
    given = {seed: _given_run(entry, seed, os.path.join(runs_dir, os.path.expanduser(path)))
             for seed, path in entry.runs.items()}          # checked before any training
    run_dirs = []
    for seed in entry.seeds:
        if seed in given:
            run_dirs.append(given[seed])
            continue
        own = seed == base.options.get("seed", 0)
        run_dir = os.path.join(runs_dir, base.name if own else f"{entry.name}_seed{seed}")
        if own and not os.path.isfile(os.path.join(run_dir, "result.json")) and trained_with(
                base.name, preset_training_options(base.name, zoo_dir), zoo_dir):
            run_dir = member_from_preset(base.name, zoo_dir, run_dir + SUFFIX)
            print(f"== {entry.name}: member seed {seed} is the published {base.name} "
                  f"(its run is not in {runs_dir}; written as a run in {run_dir})", flush=True)
            run_dirs.append(run_dir)
            continue
        print(f"== {entry.name}: member seed {seed} in {run_dir}", flush=True)
        _train(base, run_dir, verbose, zoo_dir, seed=seed)
        run_dirs.append(run_dir)
    return run_dirs


def build(runs_dir: str, zoo_dir: str | None = None, only: list[str] | None = None,
          verbose: int = 2, *, test_subset: int | None = None, corruptions: bool = True,
          progress: bool = True) -> list[str]:
    """Trains (or resumes, or skips when finished) and publishes every preset of `build.json`.

    Each single-network preset trains with `python -m blur_keras.training`'s
    API into `runs_dir/<preset>`; a finished run there is not trained again
    (its configuration must equal the spec's: the run directory refuses
    another). A preset with `ship_if` is then held against it: below the bar
    it is not published, and `not_shipped.json` in the zoo records what it
    reached and why (it is removed from there once a build ships it). An
    ensemble preset gathers its members' runs (`member_runs`). Then `publish`
    (or `publish_ensemble`) evaluates it and writes it into the zoo, with its
    version, the index and the README table. Deterministic presets are
    published first, then stochastic ones, then ensembles, so that each meets
    its twin.

    Args:
        runs_dir: where the training runs go (outside the repository).
        zoo_dir: the zoo (default: `zoo_directory()`).
        only: preset names to build (default: all of `build.json`).
        verbose: training progress output (1 bar, 2 a line per epoch).
        test_subset: evaluate the cards on the first N test images (tests); the shipped zoo
            uses the whole split.
        corruptions: add the generated-corruption summary to the cards.
        progress: print the publishing progress.

    Returns:
        The presets published (those below their bar are not).

    Raises:
        PresetError: a bad `build.json` or preset in `only`, or a run that did not finish.

    Example:

    >>> build("~/blur_keras_runs", only=["resnet_dnn_18.fmnist_w16_ens3"])
    ['resnet_dnn_18.fmnist_w16_ens3']
    """
    zoo_dir = zoo_dir or zoo_directory()
    runs_dir = os.path.expanduser(runs_dir)
    entries = read_entries(zoo_dir)
    unknown = sorted(set(only or ()) - set(entries))
    if unknown:
        raise PresetError(f"{unknown} are not in {BUILD_FILE}; it builds {sorted(entries)}.")
    built = []
    publishing = {"corruptions": corruptions, "progress": progress, "test_subset": test_subset}
    for name in build_order(entries, list(only or entries)):
        entry = entries[name]
        if entry.ensemble_of:
            run_dirs = member_runs(entry, entries[entry.ensemble_of], runs_dir, verbose,
                                   zoo_dir)
            publish_ensemble(run_dirs, name, zoo_dir, notes=entry.notes, version=entry.version,
                             **publishing)
            built.append(name)
            continue
        run_dir = os.path.join(runs_dir, name)
        print(f"== {name}: training in {run_dir}", flush=True)
        result = _train(entry, run_dir, verbose, zoo_dir)
        record = shortfall(entry, result, run_dir)
        record_not_shipped(zoo_dir, name, record)
        if record is not None:
            print(f"== {name}: not shipped: {record['reason']} (recorded in "
                  f"{os.path.join(zoo_dir, NOT_SHIPPED_FILE)})", flush=True)
            continue
        publish(run_dir, name, zoo_dir, notes=entry.notes, version=entry.version, **publishing)
        built.append(name)
    return built
