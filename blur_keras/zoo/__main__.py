"""`python -m blur_keras.zoo`: list, show, verify, publish and build presets; rewrite their READMEs.

Examples:
    python -m blur_keras.zoo list
    python -m blur_keras.zoo show resnet_mcdo_smoothing_18.fmnist_w16
    python -m blur_keras.zoo verify                 # every preset's every hash
    python -m blur_keras.zoo publish --run_dir=runs/my_run --name=resnet_mcdo_18.mine
    python -m blur_keras.zoo publish --run_dirs=runs/s0,runs/s1,runs/s2 --name=resnet_dnn_18.mine_ens3
    python -m blur_keras.zoo build --runs_dir=~/blur_keras_runs   # rebuilds the shipped zoo
    python -m blur_keras.zoo readmes   # each preset's README.md again from its card (new template)
    python -m blur_keras.zoo reevaluate [NAME ...]   # the cards' metrics again, weights untouched

Exit codes: 0 done, 1 a preset failed its check, 2 a bad command, flag or preset name.
"""

from __future__ import annotations

import json
import os
import sys

from blur_keras.startup import run_tensorflow_program
from blur_keras.zoo.command_line import (
    COMMANDS, WRITE_COMMANDS, define_flags, parse_command, preset_failure)

define_flags()


def check(argv: list[str]) -> tuple[str, list[str]]:
    """The verb and its names; the verbs that write presets go to their program here."""
    command, rest = parse_command(argv, COMMANDS)
    if command in WRITE_COMMANDS:
        # Writing a preset trains and evaluates, which sit above the zoo's read side: that is
        # `python -m blur_keras.publishing`'s work. An import of it from here would run back up
        # the layers, so this program becomes that one (the same command line, flags, output
        # and exit status) by replacing its process, before TensorFlow starts.
        os.execv(sys.executable, [sys.executable, "-m", "blur_keras.publishing", *sys.argv[1:]])
    return command, rest


def main(command_and_names: tuple[str, list[str]]) -> None:
    from blur_keras import zoo
    command, rest = command_and_names
    try:
        if command == "list":
            for name in zoo.names():
                print(name)
        elif command == "show":
            print(json.dumps({k: v for k, v in zoo.card(rest[0]).items()
                              if k not in ("training",)}, indent=2))
        else:
            checked = zoo.verify(rest[0] if rest else None)
            print(f"verified {len(checked)} preset(s): every file matches its SHA-256 and size.")
    except zoo.PresetError as error:
        raise preset_failure(command, error) from None


if __name__ == "__main__":
    run_tensorflow_program(main, check)
