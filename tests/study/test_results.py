"""Reading the results folder: a damaged JSON stops with a message naming the file."""

import json
import os
import re
import subprocess
import sys

import pytest

from study.plan import study_plan
from study.results import MissingKey, Results, read_json

RUN = "resnet_dnn_18.s0"


def write_clean(results_dir, text):
    path = results_dir / RUN / "clean.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_a_malformed_json_names_the_file_and_the_error(tmp_path):
    path = write_clean(tmp_path, '{"result": {"metrics": ')
    expected = rf"^{re.escape(str(path))} is not valid JSON: Expecting value: line 1 column 24"
    with pytest.raises(ValueError, match=expected):
        read_json(str(path))
    assert read_json(str(tmp_path / "absent.json")) is None


def test_a_missing_key_names_the_file_and_the_key(tmp_path):
    path = write_clean(tmp_path, json.dumps({"result": {"stochastic": False}}))
    results = Results(study_plan(), str(tmp_path))
    expected = rf"^{re.escape(str(path))} has no key 'metrics' \(keys: stochastic\)"
    with pytest.raises(MissingKey, match=expected):
        results.clean(RUN, 1, "nll")
    assert results.evaluation(RUN, "clean") == {"result": {"stochastic": False}}
    assert results.evaluation(RUN, "clean")["result"].get("metrics") is None   # .get: no error
    assert issubclass(MissingKey, ValueError) and issubclass(MissingKey, KeyError)


@pytest.mark.slow
@pytest.mark.parametrize("text, message", [
    ('{"result": ', "is not valid JSON: Expecting value"),
    ('{"result": {}}', "has no key 'metrics'"),
])
def test_report_on_a_damaged_json_prints_one_error_line_naming_the_file(text, message, tmp_path):
    path = write_clean(tmp_path / "results", text)
    result = subprocess.run(
        [sys.executable, "-m", "study", "report", f"--results_dir={tmp_path}/results",
         f"--output={tmp_path}/REPRODUCTION.md"], capture_output=True, text=True, timeout=300,
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and f"{path} " in errors[0] and message in errors[0], \
        result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "REPRODUCTION.md").exists()
