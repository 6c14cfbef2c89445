"""`python -m study`: bad arguments stop before any compute; `status` in words."""

import os
import subprocess
import sys

import pytest

from study.plan import study_plan
from study.status import format_status


@pytest.mark.slow
@pytest.mark.parametrize("args, message", [
    ([], "expected one command of run, status, report"),
    (["train"], "expected one command of run, status, report"),
    (["run"], "--runs_dir is required"),
    (["run", "--runs_dir=r", "--shard=3/2"], "--shard must be i/k with 1 <= i <= k"),
    (["run", "--runs_dir=r", "--shard=x"], "--shard must be i/k (e.g. 1/2)"),
    (["run", "--runs_dir=r", "--only=resnet_dnn_18.s7"], "unknown runs ['resnet_dnn_18.s7']"),
    (["run", "--runs_dir=r", "--steps=trian"], "unknown steps ['trian']"),
    (["run", "--runs_dir=r", "--threads=0"], "--threads must be a positive integer"),
])
def test_bad_arguments_print_one_error_line_and_exit_2(args, message, tmp_path):
    result = subprocess.run([sys.executable, "-m", "study", *args],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert not (tmp_path / "r").exists() and not (tmp_path / "study").exists()


def test_status_lists_every_run_its_state_and_how_to_start_it(tmp_path, zoo_dir):
    plan = study_plan(zoo_dir=zoo_dir)
    text = format_status(plan, str(tmp_path / "runs"), str(tmp_path / "results"))
    for run in plan.runs:
        assert run.name in text
    # The shipped preset is of another recipe than this zoo's build.json: the study trains it,
    # in the preset's own run directory (where the zoo build trains it too).
    assert "resnet_mcdo_18.s0                        not started" in text
    assert "the zoo's resnet_mcdo_18.fmnist_w16 is of another recipe" in text
    assert ("python -m blur_keras.training --model=resnet_dnn_18 --eval_ensemble_sizes=1 "
            "--dataset=fashion_mnist --model_args='{\"width\": 16}' --schedule=cosine "
            f"--epochs=15 --validation=holdout --seed=2 "
            f"--model_dir={tmp_path}/runs/resnet_dnn_18.s2") in text
    assert f"--seed=0 --model_dir={tmp_path}/runs/resnet_dnn_18.fmnist_w16" in text
    assert "ensembles.json                           missing" in text
    assert "Left: 18 run(s) to train, about " in text


def test_a_run_whose_every_evaluation_is_written_is_not_trained_again(tmp_path, zoo_dir):
    """Results committed from another machine: the run has nothing left to compute."""
    from study import runner
    plan = study_plan(zoo_dir=zoo_dir)
    run = plan.get("resnet_dnn_18.s2")
    results, runs = tmp_path / "results", tmp_path / "runs"
    (results / run.name).mkdir(parents=True)
    for name in run.evaluations[:-1]:
        (results / run.name / f"{name}.json").write_text("{}")
    # One evaluation missing: the run is still to train, and status says how.
    assert runner.needs_training(run, str(results))
    assert f"--seed=2 --model_dir={runs}/resnet_dnn_18.s2" in format_status(
        plan, str(runs), str(results))
    (results / run.name / f"{run.evaluations[-1]}.json").write_text("{}")
    assert not runner.needs_training(run, str(results))
    text = format_status(plan, str(runs), str(results))
    assert f"--model_dir={runs}/resnet_dnn_18.s2" not in text
    assert "resnet_dnn_18.s2                         evaluated " in text
    assert "Left: 17 run(s) to train, about " in text
    summary = runner.run_study(plan, str(runs), str(results), only=[run.name],
                               steps=["train", "evaluate"], report=lambda message: None)
    assert summary == {"trained": [], "evaluated": {}, "study": []}
    assert not (runs / run.name).exists()
