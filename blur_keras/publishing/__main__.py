"""`python -m blur_keras.publishing`: publish and build presets, re-evaluate cards, rewrite READMEs.

The verbs of `python -m blur_keras.zoo` that write presets, with its flags and exit codes (that
program hands them over here).

Examples:
    python -m blur_keras.publishing publish --run_dir=runs/my_run --name=resnet_mcdo_18.mine
    python -m blur_keras.publishing publish --run_dirs=runs/s0,runs/s1,runs/s2 --name=resnet_dnn_18.mine_ens3
    python -m blur_keras.publishing build --runs_dir=~/blur_keras_runs   # rebuilds the shipped zoo
    python -m blur_keras.publishing readmes   # each preset's README.md again from its card
    python -m blur_keras.publishing reevaluate [NAME ...]   # the cards' metrics again, weights untouched

Exit codes: 0 done, 1 a preset failed its check, 2 a bad command, flag or preset name.
"""

from __future__ import annotations

import os

from blur_keras.startup import ProgramError, run_tensorflow_program
from blur_keras.zoo.command_line import (
    FLAGS, USAGE, WRITE_COMMANDS, define_flags, parse_command, preset_failure)

define_flags()


def check(argv: list[str]) -> tuple[str, list[str]]:
    """The verb and its names, checked before TensorFlow starts."""
    command, rest = parse_command(argv, WRITE_COMMANDS)
    if command == "publish" and not ((FLAGS.run_dir or FLAGS.run_dirs) and FLAGS.name):
        raise ProgramError(f"publish needs --run_dir and --name (an ensemble: --run_dirs and "
                           f"--name). {USAGE}")
    if command == "publish" and FLAGS.run_dir and FLAGS.run_dirs:
        raise ProgramError(f"publish takes --run_dir (one run) or --run_dirs (an ensemble's "
                           f"runs), not both. {USAGE}")
    return command, rest


def main(command_and_names: tuple[str, list[str]]) -> None:
    command, rest = command_and_names
    from blur_keras import publishing
    from blur_keras.zoo import PresetError, zoo_directory
    try:
        if command == "publish" and FLAGS.run_dirs:
            card = publishing.publish_ensemble(FLAGS.run_dirs, FLAGS.name,
                                               corruptions=FLAGS.corruptions)
            print(f"published {card['name']} in {zoo_directory()}")
        elif command == "publish":
            card = publishing.publish(os.path.expanduser(FLAGS.run_dir), FLAGS.name,
                                      corruptions=FLAGS.corruptions)
            print(f"published {card['name']} in {zoo_directory()}")
        elif command == "build":
            built = publishing.build(FLAGS.runs_dir, only=FLAGS.only)
            print(f"built {len(built)} preset(s): {', '.join(built)}")
        elif command == "reevaluate":
            done = publishing.reevaluate(rest or None)
            print(f"re-evaluated {len(done)} preset(s) in {zoo_directory()}: "
                  f"{', '.join(done)}; weights unchanged.")
        else:
            rewritten = publishing.rewrite_readmes()
            print(f"rewrote the README of {len(rewritten)} preset(s) in {zoo_directory()}; "
                  f"weights and cards unchanged.")
    except PresetError as error:
        raise preset_failure(command, error) from None


if __name__ == "__main__":
    run_tensorflow_program(main, check)
