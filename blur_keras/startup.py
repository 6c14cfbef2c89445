"""How every blur_keras program starts and ends: TensorFlow started quietly, one `error:` line."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Callable

#: Set this to 1 to see TensorFlow's start-up logs (CUDA probing, CPU feature banners).
SHOW_LOGS_VARIABLE = "BLUR_KERAS_TF_LOGS"


class ProgramError(Exception):
    """A failure a program reports as one `error: <message>` line and exit status `exit_code`.

    `run_tensorflow_program` reports a `ValueError` or `FileNotFoundError` the
    same way, with status 2 (bad input); raise a `ProgramError` for another
    status or for a message of the program's own.

    Args:
        message: the line after `error: `.
        exit_code: the exit status (2: bad input, nothing computed).

    Example:
        `raise ProgramError("the loss became NaN at step 12", exit_code=1)`
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code

#: Thread counts TensorFlow (and oneDNN's OpenMP) read when their runtime starts.
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")


def thread_environment(threads: int) -> dict[str, str]:
    """The environment variables that give a TensorFlow process `threads` threads.

    Set them before TensorFlow starts (in `os.environ`, or a child process's environment).

    Example:

    >>> thread_environment(1)["TF_NUM_INTRAOP_THREADS"]
    '1'
    """
    return {variable: str(threads) for variable in THREAD_VARIABLES}


def quiet_tensorflow_start() -> None:
    """Imports TensorFlow and probes its devices with the C++ start-up logs captured.

    On a CPU-only machine TensorFlow prints CUDA probing errors and CPU
    feature banners to the process's stderr at start-up. A program calls
    this first: those logs are discarded, or printed when the start fails,
    or shown as usual with `BLUR_KERAS_TF_LOGS=1`. Later TensorFlow logs
    follow `TF_CPP_MIN_LOG_LEVEL` (default here 2: warnings and errors of
    the C++ side that are not Python exceptions are hidden). Once TensorFlow
    has started, a second call does nothing.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get(SHOW_LOGS_VARIABLE) == "1" or "tensorflow" in sys.modules:
        import tensorflow  # noqa: F401
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow as tf
            tf.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def run_program(main: Callable[[list[str]], None]) -> None:
    """`absl.app.run(main)` with the exit codes every blur_keras program documents.

    `--help`, `--helpshort` and `--helpfull` print the program's docstring
    and flags to stdout and exit 0 (absl itself exits 1). A flag that does
    not parse (an unknown flag, a bad value, a missing required flag) is bad
    input: one `error:` line and exit status 2 (absl: a `FATAL` line and 1).
    Log lines below WARNING (Python `logging`, e.g. `predict_proba`'s note of
    the outputs it assumed, and absl's) stay out of the output, which the
    programs print themselves; `--verbosity=0` shows them.

    Args:
        main: the program, called with the command line left after the flags
            (`argv[0]` the program, then the positional arguments).
    """
    from absl import app, flags, logging

    def parse(argv):
        try:
            argv = flags.FLAGS(argv)
        except flags.Error as error:
            message = " ".join(str(error).split()).rstrip(".")
            print(f"error: {message} (--help lists the flags).", file=sys.stderr)
            sys.exit(2)
        except SystemExit as done:      # a help flag has printed the help
            sys.exit(0 if done.code == 1 else done.code)
        if not flags.FLAGS["verbosity"].present:
            logging.set_verbosity(logging.WARNING)
        return argv

    app.run(main, flags_parser=parse)


def run_tensorflow_program(main: Callable[[Any], None],
                           check: Callable[[list[str]], Any] | None = None) -> None:
    """Runs a blur_keras program: flags parsed, TensorFlow started quietly, failures in one line.

    The shared tail of every `python -m blur_keras.<package>` program, on top
    of `run_program`'s flag parsing and help: `check` (if any) runs first,
    then `quiet_tensorflow_start`, then `main`. A `ProgramError` raised by
    either ends the program with `error: <message>` on stderr and its exit
    code; a `ValueError` or `FileNotFoundError` (bad input: an unknown name,
    a missing file) with `error: <message>` and exit status 2.

    Args:
        main: the program. It is called with what `check` returned, or with
            `argv` (the program, then the positional arguments) without `check`.
        check: checks that need no TensorFlow (positional arguments, flags),
            so that bad input fails before TensorFlow's start; called with `argv`.

    Example:

    ```python
    def main(argv):
        del argv
        print(evaluate_everything())

    if __name__ == "__main__":
        run_tensorflow_program(main)
    ```
    """
    def program(argv: list[str]) -> None:
        try:
            checked = argv if check is None else check(argv)
            quiet_tensorflow_start()
            main(checked)
        except ProgramError as error:
            _fail(str(error), error.exit_code)
        except (ValueError, FileNotFoundError) as error:
            _fail(str(error), 2)

    run_program(program)


def no_positional_arguments(argv: list[str]) -> list[str]:
    """`argv` when it holds only the program: a program whose every option is a `--flag`.

    Raises:
        ProgramError: positional arguments were given.
    """
    if len(argv) > 1:
        raise ProgramError(f"unexpected arguments {argv[1:]}; every option is a --flag.")
    return argv


def _fail(message: str, exit_code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(exit_code)
