"""What every `python -m blur_keras...` program shares: its help, its exit codes, a quiet start.

Each program runs in a fresh process, as a user starts it.
"""

import importlib
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow      # every test starts a program in a new process

#: Every command-line program (absl flags, `blur_keras.startup.run_program`).
PROGRAMS = ("blur_keras.analysis", "blur_keras.corruption_gallery", "blur_keras.demo",
            "blur_keras.evaluate", "blur_keras.retrofit", "blur_keras.robustness",
            "blur_keras.study", "blur_keras.training", "blur_keras.zoo")
#: Flags defined by a shared helper of `blur_keras.cli_checks` that `--help` must still show.
SHARED_FLAGS = {"blur_keras.evaluate": ("--outputs", "--ece_binning", "--model", "--weights",
                                        "--model_args"),
                "blur_keras.robustness": ("--outputs", "--ece_binning", "--model", "--weights",
                                          "--model_args")}


def run(module, *args, env=None):
    environment = {**os.environ, **(env or {})}
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)        # as a user starts it
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, timeout=300, env=environment)


def docstring(module: str) -> str:
    name = module if module in ("blur_keras.evaluate", "blur_keras.corruption_gallery") \
        else module + ".__main__"
    spec = importlib.util.find_spec(name)
    with open(spec.origin) as f:
        source = f.read()
    return source.split('"""')[1]


@pytest.mark.parametrize("module", PROGRAMS)
def test_help_exits_0_with_the_examples_as_written_and_every_flag(module):
    result = run(module, "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    written = docstring(module)
    # The examples keep their line continuations: the help shows the docstring as written.
    for line in written.splitlines():
        assert line in result.stdout, f"{line!r} is not in the help"
    assert result.stdout.count(" \\\n") == written.count(" \\\n")
    for flag in SHARED_FLAGS.get(module, ()):
        assert re.search(rf"^  {flag}: ", result.stdout, re.MULTILINE), flag
    assert result.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["--no_such_flag=1"], "Unknown command line flag 'no_such_flag'"),
    (["--batch_size=many"], "--batch_size=many"),
    ([], "--model must have a value"),
])
def test_a_flag_that_does_not_parse_is_one_error_line_and_status_2(args, message):
    result = run("blur_keras.evaluate", *args)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr and "FATAL" not in result.stderr
