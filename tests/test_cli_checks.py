import os

import pytest

from blur_keras import cli_checks


def test_numbers():
    assert cli_checks.positive_int("subset", None, allow_none=True) is None
    assert cli_checks.positive_int("batch_size", 3) == 3
    for value in (0, -1, True, 2.5, None):
        with pytest.raises(ValueError, match="--batch_size must be a positive integer"):
            cli_checks.positive_int("batch_size", value)
    assert cli_checks.int_list("severities", ["5", "1"], range(1, 6)) == [5, 1]
    with pytest.raises(ValueError, match=r"--severities must be from \[1, 2, 3, 4, 5\] integers; "
                                         "got '0,6'"):
        cli_checks.int_list("severities", ["0", "6"], range(1, 6))
    with pytest.raises(ValueError, match="--ensemble_sizes must be positive integers; got '1,0'"):
        cli_checks.int_list("ensemble_sizes", ["1", "0"])
    with pytest.raises(ValueError, match="must be comma-separated integers; got '1,x'"):
        cli_checks.int_list("ensemble_sizes", ["1", "x"])


def test_paths_expand_home_and_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "w.h5").write_text("")
    assert cli_checks.existing_file("weights", "~/w.h5") == str(tmp_path / "w.h5")
    assert cli_checks.existing_dir("data_dir", "~") == str(tmp_path)
    assert cli_checks.existing_file("weights", None) is None
    with pytest.raises(ValueError, match="--data_dir: directory not found: ~/tfds"):
        cli_checks.existing_dir("data_dir", "~/tfds")


def test_output_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cli_checks.output_dir("output_dir", "~/new/deeper", ["a.csv"]) == \
        str(tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()                 # checked, not created
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="--output_dir=~/file is a file, not a directory"):
        cli_checks.output_dir("output_dir", "~/file", ["a.csv"])
    with pytest.raises(ValueError, match=f"{tmp_path / 'file'} is a file, not a directory"):
        cli_checks.output_dir("output_dir", "~/file/out", ["a.csv"])
    (tmp_path / "out" / "a.csv").mkdir(parents=True)
    with pytest.raises(ValueError, match="cannot write .*a.csv"):
        cli_checks.output_dir("output_dir", "~/out", ["a.csv"])
    if os.geteuid() != 0:                                  # root may write anywhere
        (tmp_path / "locked").mkdir(mode=0o500)
        with pytest.raises(ValueError, match="is not writable"):
            cli_checks.output_dir("output_dir", str(tmp_path / "locked" / "out"), ["a.csv"])


def test_writable_directory_is_the_one_check_of_output_and_run_directories(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cli_checks.writable_directory("model_dir", "~/run") == str(tmp_path / "run")
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=r"^--model_dir=~/file is a file, not a directory\.$"):
        cli_checks.writable_directory("model_dir", "~/file")
    with pytest.raises(ValueError, match=r"^Cannot write to --model_dir=~/file/run: "):
        cli_checks.writable_directory("model_dir", "~/file/run")
