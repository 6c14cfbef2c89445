"""The command line of the zoo: its verbs, flags and exit codes, for its two programs.

`python -m blur_keras.zoo` runs the verbs that read presets and hands those that write them to
`python -m blur_keras.publishing`; both parse these flags, so a command line means the same to
either program.
"""

from __future__ import annotations

import os

from absl import flags

from blur_keras.startup import ProgramError
from blur_keras.zoo.files import ZOO_DIR_VARIABLE, PresetError, UnknownPresetError

FLAGS = flags.FLAGS


def define_flags() -> None:
    """Defines the zoo program's flags in the calling program: its `--help` lists them."""
    flags.disclaim_key_flags()    # the DEFINEs below count as the caller's, not this module's
    flags.DEFINE_string("run_dir", None, "publish: the finished training run.")
    flags.DEFINE_list("run_dirs", None, "publish: the finished training runs of a deep ensemble "
                      "(one model and recipe, other seeds), for a preset named "
                      "'{registry name}.{tag}_ens{K}'.")
    flags.DEFINE_string("name", None, "publish: the preset name, '{registry name}.{tag}'.")
    flags.DEFINE_string("zoo_dir", None, "A zoo of yours, as $BLUR_KERAS_ZOO_DIR: its presets are "
                        "listed, shown and verified beside the shipped ones; publish, build and "
                        "readmes write into it (default: $BLUR_KERAS_ZOO_DIR, else the shipped "
                        "zoo).")
    flags.DEFINE_string("runs_dir", "~/blur_keras_runs", "build: where training runs go.")
    flags.DEFINE_list("only", None, "build: only these presets.")
    flags.DEFINE_bool("corruptions", True, "publish: add the generated-corruption summary.")


#: Each verb with the fewest and most names it takes.
NAMES_TAKEN = {"list": (0, 0), "show": (1, 1), "verify": (0, 1), "publish": (0, 0),
               "build": (0, 0), "readmes": (0, 0), "reevaluate": (0, 99)}
COMMANDS = tuple(NAMES_TAKEN)
#: The verbs that write presets: `python -m blur_keras.publishing` runs them.
WRITE_COMMANDS = ("publish", "build", "readmes", "reevaluate")
USAGE = ("usage: python -m blur_keras.zoo list | show NAME | verify [NAME] | "
         "publish --run_dir=DIR|--run_dirs=DIR,DIR,... --name=NAME | build [--runs_dir=DIR] [--only=NAME,...] | readmes | "
         "reevaluate [NAME ...]")
#: The verbs for which a preset that fails its check is exit status 1 (not bad input, 2).
CHECKING_COMMANDS = ("verify", "show", "readmes")


def parse_command(argv: list[str], commands: tuple[str, ...]) -> tuple[str, list[str]]:
    """`(verb, names)` of a command line whose flags absl has parsed.

    `--zoo_dir` becomes `$BLUR_KERAS_ZOO_DIR` here, for every function the verb calls.

    Args:
        argv: the program's arguments after absl (`argv[0]` is the program).
        commands: the verbs this program runs.

    Returns:
        The verb and the names after it.

    Raises:
        ProgramError: an unknown verb, or too few or too many names (exit status 2).
    """
    args = argv[1:]
    if not args or args[0] not in commands:
        raise ProgramError(f"expected a command in {commands}; got {args[:1] or 'none'}. {USAGE}")
    command, rest = args[0], args[1:]
    fewest, most = NAMES_TAKEN[command]
    if not fewest <= len(rest) <= most:
        raise ProgramError(f"'{command}' takes {fewest}-{most} names; got {rest}. {USAGE}")
    if FLAGS.zoo_dir:
        os.environ[ZOO_DIR_VARIABLE] = FLAGS.zoo_dir
    return command, rest


def preset_failure(command: str, error: PresetError) -> ProgramError:
    """The program's failure for a `PresetError`: exit status 1 for a preset that failed a check
    of `CHECKING_COMMANDS`, 2 otherwise (a bad name, path or run)."""
    failed_check = command in CHECKING_COMMANDS and not isinstance(error, UnknownPresetError)
    return ProgramError(str(error), exit_code=1 if failed_check else 2)
