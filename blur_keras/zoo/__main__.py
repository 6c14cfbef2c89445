"""`python -m blur_keras.zoo`: list, show, verify, publish and build presets; rewrite their READMEs.

Examples:
    python -m blur_keras.zoo list
    python -m blur_keras.zoo show resnet_mcdo_smoothing_18.fmnist_w16
    python -m blur_keras.zoo verify                 # every preset's every hash
    python -m blur_keras.zoo publish --run_dir=runs/my_run --name=resnet_mcdo_18.mine
    python -m blur_keras.zoo build --runs_dir=~/blur_keras_runs   # rebuilds the shipped zoo
    python -m blur_keras.zoo readmes   # each preset's README.md again from its card (new template)
    python -m blur_keras.zoo reevaluate [NAME ...]   # the cards' metrics again, weights untouched

Exit codes: 0 done, 1 a preset failed its check, 2 a bad command, flag or preset name.
"""

from __future__ import annotations

import json
import os

from absl import flags

from blur_keras.startup import ProgramError, run_tensorflow_program

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "publish: the finished training run.")
flags.DEFINE_string("name", None, "publish: the preset name, '{registry name}.{tag}'.")
flags.DEFINE_string("zoo_dir", None, "A zoo of yours, as $BLUR_KERAS_ZOO_DIR: its presets are "
                    "listed, shown and verified beside the shipped ones; publish, build and "
                    "readmes write into it (default: $BLUR_KERAS_ZOO_DIR, else the shipped zoo).")
flags.DEFINE_string("runs_dir", "~/blur_keras_runs", "build: where training runs go.")
flags.DEFINE_list("only", None, "build: only these presets.")
flags.DEFINE_bool("corruptions", True, "publish: add the generated-corruption summary.")

COMMANDS = ("list", "show", "verify", "publish", "build", "readmes", "reevaluate")
USAGE = ("usage: python -m blur_keras.zoo list | show NAME | verify [NAME] | "
         "publish --run_dir=DIR --name=NAME | build [--runs_dir=DIR] [--only=NAME,...] | readmes | "
         "reevaluate [NAME ...]")


def _command(argv: list[str]) -> tuple[str, list[str]]:
    """The command and its names, checked before TensorFlow starts."""
    args = argv[1:]
    if not args or args[0] not in COMMANDS:
        raise ProgramError(f"expected a command in {COMMANDS}; got {args[:1] or 'none'}. {USAGE}")
    command, rest = args[0], args[1:]
    if FLAGS.zoo_dir:
        os.environ["BLUR_KERAS_ZOO_DIR"] = FLAGS.zoo_dir
    expected = {"list": (0, 0), "show": (1, 1), "verify": (0, 1), "publish": (0, 0),
                "build": (0, 0), "readmes": (0, 0), "reevaluate": (0, 99)}[command]
    if not expected[0] <= len(rest) <= expected[1]:
        raise ProgramError(f"'{command}' takes {expected[0]}-{expected[1]} names; got {rest}. "
                           f"{USAGE}")
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
        elif command == "verify":
            checked = zoo.verify(rest[0] if rest else None)
            print(f"verified {len(checked)} preset(s): every file matches its SHA-256 and size.")
        elif command == "publish":
            if not FLAGS.run_dir or not FLAGS.name:
                raise ProgramError(f"publish needs --run_dir and --name. {USAGE}")
            card = zoo.publish(os.path.expanduser(FLAGS.run_dir), FLAGS.name,
                               corruptions=FLAGS.corruptions)
            print(f"published {card['name']} in {zoo.zoo_directory()}")
        elif command == "build":
            built = zoo.build(FLAGS.runs_dir, only=FLAGS.only)
            print(f"built {len(built)} preset(s): {', '.join(built)}")
        elif command == "reevaluate":
            from blur_keras.zoo.publishing import reevaluate
            done = reevaluate(rest or None)
            print(f"re-evaluated {len(done)} preset(s) in {zoo.zoo_directory()}: "
                  f"{', '.join(done)}; configs and weights unchanged.")
        else:
            from blur_keras.zoo.readmes import rewrite_readmes
            rewritten = rewrite_readmes()
            print(f"rewrote the README of {len(rewritten)} preset(s) in {zoo.zoo_directory()}; "
                  f"configs, weights and cards unchanged.")
    except zoo.PresetError as error:
        from blur_keras.zoo.files import UnknownPresetError
        failed_check = (command in ("verify", "show", "readmes")
                        and not isinstance(error, UnknownPresetError))
        raise ProgramError(str(error), exit_code=1 if failed_check else 2) from None


if __name__ == "__main__":
    run_tensorflow_program(main, check=_command)
