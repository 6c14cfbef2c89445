"""`make demo` / `make test` on a machine without the Fashion-MNIST files (scripts/fashion_mnist.sh).

Each test runs the real Makefile with Debian's directory and apt-get pointed at paths of its own,
and `PY` replaced by a stub that records its arguments, so nothing is installed and no suite runs.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

from blur_keras.data import IDX_DATASETS

ROOT = pathlib.Path(__file__).resolve().parents[2]
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
root_only = pytest.mark.skipif(os.geteuid() != 0,
                               reason="the install path runs only as root (or with sudo)")


def make(tmp_path, target, python_exit=0, apt_get=None, **env):
    """Runs `make target` with the data check pointed into tmp_path; returns (result, PY calls)."""
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\necho "$*" >> "{tmp_path}/calls"\nexit {python_exit}\n')
    python.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()   # newer than requirements.txt: no venv is built
    base = {k: v for k, v in os.environ.items() if k not in (
        "BLUR_KERAS_DATA_DIR", "BLUR_KERAS_ALLOW_MISSING_DATA", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "-C", str(ROOT), target, f"PY={python}", f"STAMP={stamp}",
         f"DEBIAN_DATA_DIR={tmp_path / 'debian'}",
         f"APT_GET={apt_get or tmp_path / 'no-apt-get'}"],
        capture_output=True, text=True, timeout=60, env={**base, **env})
    calls = tmp_path / "calls"
    return result, calls.read_text().splitlines() if calls.exists() else []


def write_idx_files(directory):
    directory.mkdir(parents=True)
    for stem in IDX_FILES:
        (directory / f"{stem}.gz").touch()


@pytest.mark.parametrize("target", ["test", "demo"])
def test_no_data_and_no_install_stops_with_one_message(tmp_path, target):
    result, calls = make(tmp_path, target)
    assert result.returncode != 0 and calls == []
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Fashion-MNIST files are missing" in errors[0]
    assert "this user cannot install them" in errors[0]
    assert "apt-get install dataset-fashion-mnist" in result.stderr
    assert "BLUR_KERAS_DATA_DIR=" in result.stderr and "t10k-labels-idx1-ubyte" in result.stderr


def test_allow_missing_data_runs_the_tests_but_not_the_demo(tmp_path):
    result, calls = make(tmp_path, "test", BLUR_KERAS_ALLOW_MISSING_DATA="1")
    assert result.returncode == 0, result.stderr
    assert "the tests that read them are skipped" in result.stdout
    assert [call.split()[:3] for call in calls] == [["-m", "pytest", "-q"]] * 2   # tf, jax
    (tmp_path / "demo").mkdir()
    result, calls = make(tmp_path / "demo", "demo", BLUR_KERAS_ALLOW_MISSING_DATA="1")
    assert result.returncode != 0 and calls == []


def test_test_fast_leaves_out_the_slow_tests_and_runs_on_two_workers(tmp_path):
    result, calls = make(tmp_path, "test-fast", BLUR_KERAS_ALLOW_MISSING_DATA="1")
    assert result.returncode == 0, result.stderr
    assert calls == ["-m pytest -q -rs -p no:cacheprovider -n 2 -m not slow tests"]


@pytest.mark.parametrize("subdirectory", ["", "fashion_mnist", "fashion-mnist"])
def test_files_under_blur_keras_data_dir_are_enough(tmp_path, subdirectory):
    write_idx_files(tmp_path / "data" / subdirectory)
    result, calls = make(tmp_path, "demo", BLUR_KERAS_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert calls == ["-m blur_keras.demo"]


def test_reproduce_runs_the_study_then_times_it_then_reports_and_report_needs_no_data(tmp_path):
    write_idx_files(tmp_path / "data")
    result, calls = make(tmp_path, "reproduce", BLUR_KERAS_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert calls == ["-m study run --runs_dir=runs/study "
                     "--steps=train,evaluate,ensembles,baseline",
                     "-m study run --runs_dir=runs/study --steps=speed",
                     "-m study report"]
    (tmp_path / "report").mkdir()
    result, calls = make(tmp_path / "report", "report")     # no data anywhere
    assert result.returncode == 0, result.stderr
    assert calls == ["-m study report"]


def test_three_of_four_files_are_not_enough(tmp_path):
    write_idx_files(tmp_path / "data")
    (tmp_path / "data" / "train-images-idx3-ubyte.gz").unlink()
    result, calls = make(tmp_path, "demo", BLUR_KERAS_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode != 0 and calls == []


def test_pytest_collecting_no_tests_fails_make_test(tmp_path):
    write_idx_files(tmp_path / "debian")
    result, calls = make(tmp_path, "test", python_exit=5)   # pytest's "no tests collected"
    assert result.returncode != 0
    assert len(calls) == 1   # stopped after test-tf


@root_only
def test_root_installs_the_package_then_runs(tmp_path):
    apt_get = tmp_path / "apt-get"   # installs by creating the files in Debian's directory
    apt_get.write_text(f'#!/bin/sh\necho "$*" >> "{tmp_path}/apt"\n'
                       f'[ "$1" = install ] && mkdir -p "{tmp_path}/debian" && '
                       f'touch ' + " ".join(f'"{tmp_path}/debian/{stem}"' for stem in IDX_FILES)
                       + "\nexit 0\n")
    apt_get.chmod(0o755)
    result, calls = make(tmp_path, "demo", apt_get=apt_get)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "apt").read_text().splitlines() == [
        "update -qq", "install -y -qq dataset-fashion-mnist"]
    assert calls == ["-m blur_keras.demo"]


@root_only
def test_failed_install_stops_with_the_message(tmp_path):
    apt_get = tmp_path / "apt-get"
    apt_get.write_text("#!/bin/sh\nexit 100\n")   # e.g. no network
    apt_get.chmod(0o755)
    result, calls = make(tmp_path, "test", apt_get=apt_get)
    assert result.returncode != 0 and calls == []
    assert "installing dataset-fashion-mnist did not put them in" in result.stderr


def test_makefile_checks_the_directory_blur_keras_reads():
    result = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "--eval=show-dir: ; @echo $(DEBIAN_DATA_DIR)", "show-dir"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if k not in ("DEBIAN_DATA_DIR", "MAKEFLAGS")})
    assert result.stdout.strip() == IDX_DATASETS["fashion_mnist"][1]
