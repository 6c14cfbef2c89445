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

#: Every command-line program: a package's `__main__.py` (absl flags, `blur_keras.startup`).
PROGRAMS = ("blur_keras.analysis", "blur_keras.corruptions", "blur_keras.demo",
            "blur_keras.evaluation", "blur_keras.publishing", "blur_keras.retrofit",
            "blur_keras.robustness", "study", "blur_keras.training", "blur_keras.zoo")
#: Flags defined by a shared group of `blur_keras.program_flags` that `--help` must still show.
SHARED_FLAGS = {
    "blur_keras.evaluation": ("--outputs", "--ece_binning", "--model", "--weights",
                              "--model_args", "--dataset", "--data_dir", "--download",
                              "--batch_size"),
    "blur_keras.robustness": ("--outputs", "--ece_binning", "--model", "--weights",
                              "--model_args", "--dataset", "--data_dir", "--download",
                              "--batch_size"),
    "blur_keras.analysis": ("--dataset", "--data_dir", "--download", "--batch_size"),
    "blur_keras.corruptions": ("--data_dir",), "blur_keras.demo": ("--data_dir",),
    "blur_keras.training": ("--data_dir", "--download", "--model", "--milestones", "--seed"),
}


def run(module, *args, env=None):
    environment = {**os.environ, **(env or {})}
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)        # as a user starts it
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, timeout=300, env=environment)


def docstring(module: str) -> str:
    spec = importlib.util.find_spec(module + ".__main__")
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
        assert re.search(rf"^  --(\[no\])?{flag[2:]}: ", result.stdout, re.MULTILINE), flag
    assert result.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["--no_such_flag=1"], "Unknown command line flag 'no_such_flag'"),
    (["--batch_size=many"], "--batch_size=many"),
    ([], "--model must have a value"),
])
def test_a_flag_that_does_not_parse_is_one_error_line_and_status_2(args, message):
    result = run("blur_keras.evaluation", *args)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr and "FATAL" not in result.stderr


def test_every_program_is_a_package_run_with_python_m():
    """One convention: `python -m blur_keras.<package>` runs the package's `__main__.py`."""
    import blur_keras
    root = os.path.dirname(blur_keras.__file__)
    found = set()
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            if name.endswith(".py") and re.search(r'^if __name__ == "__main__":',
                                                  open(path).read(), re.MULTILINE):
                assert name == "__main__.py", f"{path} is a program outside a __main__.py"
                found.add("blur_keras." + os.path.relpath(directory, root).replace(os.sep, "."))
    assert found == {name for name in PROGRAMS if name.startswith("blur_keras.")}


def test_positional_arguments_to_a_program_of_flags_are_one_error_line_and_status_2():
    result = run("blur_keras.retrofit", "--model=a.keras", "--output=b.keras", "extra")
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr == "error: unexpected arguments ['extra']; every option is a --flag.\n"


def test_the_training_flags_are_the_fields_of_train_config():
    """Each `TrainConfig` field is a flag with its default; the flags build the config back."""
    code = """if True:
        import dataclasses, sys
        import blur_keras.training.__main__ as program
        from absl import flags
        from blur_keras.program_flags import config_from_flags
        from blur_keras.training import TrainConfig
        flags.FLAGS(["train", "--model=resnet_dnn_18", "--dataset=fashion_mnist",
                     "--model_dir=runs/x", "--milestones=3,6", "--model_args={\\"width\\": 16}",
                     "--nonesterov", "--data_dir=~/data"])
        for field in dataclasses.fields(TrainConfig):
            if field.name not in ("model", "dataset", "model_dir", "milestones", "model_args",
                                  "nesterov", "data_dir"):
                assert flags.FLAGS[field.name].default == field.default, field.name
        config = config_from_flags(TrainConfig)
        assert config == TrainConfig("resnet_dnn_18", "fashion_mnist", "runs/x",
                                     model_args={"width": 16}, milestones=(3, 6),
                                     nesterov=False, data_dir="~/data"), config
        print("ok")
    """
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout == "ok\n", result.stderr[-3000:]
