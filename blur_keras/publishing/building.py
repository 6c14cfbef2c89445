"""`build`: the one command that rebuilds every shipped preset (train, publish, index, table)."""

from __future__ import annotations

import os

from blur_keras.publishing.from_run import publish
from blur_keras.zoo.files import (
    BUILD_FILE, PresetError, preset_training_options, read_build_spec, zoo_directory)


def build(runs_dir: str, zoo_dir: str | None = None, only: list[str] | None = None,
          verbose: int = 2) -> list[str]:
    """Trains (or resumes, or skips when finished) and publishes every preset of `build.json`.

    Each preset trains with `python -m blur_keras.training`'s API into
    `runs_dir/<preset>`; a finished run there is not trained again (its
    configuration must equal the spec's: the run directory refuses another).
    Then `publish` evaluates it and writes it into the zoo, with the index
    and the README table.

    Args:
        runs_dir: where the training runs go (outside the repository).
        zoo_dir: the zoo (default: `zoo_directory()`).
        only: preset names to build (default: all of `build.json`).
        verbose: training progress output (1 bar, 2 a line per epoch).

    Returns:
        The presets built.

    Raises:
        PresetError: an unknown preset in `only`, or a run that did not finish.
    """
    from blur_keras.training import TrainConfig, train
    zoo_dir = zoo_dir or zoo_directory()
    spec = read_build_spec(zoo_dir)
    presets = spec["presets"]
    unknown = sorted(set(only or ()) - set(presets))
    if unknown:
        raise PresetError(f"{unknown} are not in {BUILD_FILE}; it builds {sorted(presets)}.")
    built = []
    for name in only or sorted(presets):
        notes = presets[name].get("notes", [])
        run_dir = os.path.join(os.path.expanduser(runs_dir), name)
        print(f"== {name}: training in {run_dir}", flush=True)
        train(TrainConfig(model_dir=run_dir, verbose=verbose,
                          **preset_training_options(name, zoo_dir)))
        publish(run_dir, name, zoo_dir, notes=notes)
        built.append(name)
    return built
