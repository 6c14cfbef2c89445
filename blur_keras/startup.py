"""Quiet start of the command-line programs: TensorFlow's C++ start-up logs kept out of the output."""

from __future__ import annotations

import os
import sys
import tempfile

#: Set this to 1 to see TensorFlow's start-up logs (CUDA probing, CPU feature banners).
SHOW_LOGS_VARIABLE = "BLUR_KERAS_TF_LOGS"


def quiet_tensorflow_start() -> None:
    """Imports TensorFlow and probes its devices with the C++ start-up logs captured.

    On a CPU-only machine TensorFlow prints CUDA probing errors and CPU
    feature banners to the process's stderr at start-up. A program calls
    this first: those logs are discarded, or printed when the start fails,
    or shown as usual with `BLUR_KERAS_TF_LOGS=1`. Later TensorFlow logs
    follow `TF_CPP_MIN_LOG_LEVEL` (default here 2: warnings and errors of
    the C++ side that are not Python exceptions are hidden).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get(SHOW_LOGS_VARIABLE) == "1":
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


def run_program(main) -> None:
    """`absl.app.run(main)` with the exit codes every blur_keras program documents.

    `--help`, `--helpshort` and `--helpfull` print the program's docstring
    and flags to stdout and exit 0 (absl itself exits 1). A flag that does
    not parse (an unknown flag, a bad value, a missing required flag) is bad
    input: one `error:` line and exit status 2 (absl: a `FATAL` line and 1).
    Log lines below WARNING (Python `logging`, e.g. `predict_proba`'s note of
    the outputs it assumed, and absl's) stay out of the output, which the
    programs print themselves; `--verbosity=0` shows them.
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
