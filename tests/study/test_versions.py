"""Which results the report is made from: version 1 until version 2 is complete."""

import json
import os

from study import versions
from tests.study.conftest import report_plan


def touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({}, f)


def complete(results_dir, plan):
    for run in plan.runs:
        for name in run.evaluations:
            touch(os.path.join(results_dir, run.name, f"{name}.json"))
    touch(os.path.join(results_dir, "ensembles.json"))


def test_version_1_is_reported_until_every_json_of_version_2_is_there(tmp_path, monkeypatch):
    plan = report_plan()
    monkeypatch.setattr(versions, "plan_of", lambda version: plan)
    root = str(tmp_path)
    v1 = os.path.join(root, versions.RESULTS_DIRS[1])
    v2 = os.path.join(root, versions.RESULTS_DIRS[2])
    touch(os.path.join(v1, "resnet_dnn_18.s0", "clean.json"))
    assert versions.reported_version(root) == 1
    complete(v2, plan)
    os.remove(os.path.join(v2, "resnet_mcdo_18.s2", "landscape.json"))
    assert versions.missing(plan, v2) == [os.path.join("resnet_mcdo_18.s2", "landscape.json")]
    assert versions.reported_version(root) == 1          # one JSON short: still version 1
    touch(os.path.join(v2, "resnet_mcdo_18.s2", "landscape.json"))
    assert versions.reported_version(root) == 2


def test_without_version_1_files_version_2_is_reported_even_when_partial(tmp_path, monkeypatch):
    plan = report_plan()
    monkeypatch.setattr(versions, "plan_of", lambda version: plan)
    root = str(tmp_path)
    v2 = os.path.join(root, versions.RESULTS_DIRS[2])
    touch(os.path.join(v2, "resnet_dnn_18.s0", "clean.json"))
    # Version 2's folder inside version 1's is no version-1 result.
    assert not versions.has_results(os.path.join(root, versions.RESULTS_DIRS[1]))
    assert versions.reported_version(root) == 2
    touch(os.path.join(root, versions.RESULTS_DIRS[1], "alexnet_dnn.s0", "result.json"))
    assert versions.reported_version(root) == 2           # a training record is no result


def test_a_results_folder_names_its_version():
    assert versions.version_of(versions.RESULTS_DIRS[1]) == 1
    assert versions.version_of(versions.RESULTS_DIRS[2] + os.sep) == 2
    assert versions.version_of("/somewhere/else") == versions.CURRENT
    assert versions.plan_of(1).version == 1
