"""The study runner on a tiny plan: trains, evaluates, writes JSONs, skips what is done."""

import json
import os
import shlex

import numpy as np
import pytest

from study import runner
from study.plan import study_plan
from tests.study.conftest import TINY_RECIPE, tiny_plan


def snapshot(*directories):
    """`{path: (mtime_ns, size)}` of every file under the directories."""
    files = {}
    for directory in directories:
        for root, _, names in os.walk(directory):
            for name in names:
                path = os.path.join(root, name)
                files[path] = (os.stat(path).st_mtime_ns, os.path.getsize(path))
    return files


@pytest.mark.slow
@pytest.mark.real_data
def test_the_study_trains_evaluates_and_never_does_anything_twice(tmp_path, monkeypatch):
    monkeypatch.delenv("BLUR_KERAS_ZOO_DIR", raising=False)
    plan = tiny_plan()      # seed 0: the shipped preset resnet_mcdo_18.fmnist_w16
    runs_dir, results = tmp_path / "runs", tmp_path / "results"
    messages = []
    summary = runner.run_study(plan, str(runs_dir), str(results), report=messages.append)
    # Seed 0 is the zoo preset (never trained), seed 1 trains in runs/<name>.
    assert summary["trained"] == ["resnet_mcdo_18.s1"]
    assert not (runs_dir / "resnet_mcdo_18.s0").exists()
    assert (runs_dir / "resnet_mcdo_18.s1" / "model.keras").is_file()
    assert summary["evaluated"] == {
        "resnet_mcdo_18.s0": ["clean", "corruptions", "consistency", "variance", "fourier",
                              "hessian"],
        "resnet_mcdo_18.s1": ["clean", "corruptions", "consistency", "variance", "fourier",
                              "hessian"]}
    # result.json: the training run's own, or the preset card's training section.
    s0 = json.loads((results / "resnet_mcdo_18.s0" / "result.json").read_text())
    s1 = json.loads((results / "resnet_mcdo_18.s1" / "result.json").read_text())
    assert s0["source"] == "zoo preset resnet_mcdo_18.fmnist_w16" and s0["config"]["seed"] == 0
    assert s1 == json.loads((runs_dir / "resnet_mcdo_18.s1" / "result.json").read_text())
    clean = json.loads((results / "resnet_mcdo_18.s1" / "clean.json").read_text())
    assert clean["config"]["test_images"] == 64 and clean["config"]["sizes"] == [1, 2, 3]
    assert set(clean["result"]["metrics"]) == {"1", "2", "3"} and clean["result"]["stochastic"]
    assert clean["precision"] == "float32" and clean["eval_seed"] == 0
    assert clean["command"].startswith("python -m study run --only=resnet_mcdo_18.s1")
    with np.load(results / "resnet_mcdo_18.s1" / "probabilities.npz") as stored:
        assert stored["probabilities"].dtype == np.float16
        assert stored["probabilities"].shape == (64, 10) and stored["labels"].shape == (64,)
    corruptions = json.loads((results / "resnet_mcdo_18.s0" / "corruptions.json").read_text())
    assert len(corruptions["result"]["table"]) == 15
    assert corruptions["config"]["subset"] == 8 and corruptions["config"]["seed"] == 0
    consistency = json.loads((results / "resnet_mcdo_18.s0" / "consistency.json").read_text())
    assert set(consistency["result"]["by_perturbation"]) == {"translate", "gaussian_noise"}
    fourier = json.loads((results / "resnet_mcdo_18.s0" / "fourier.json").read_text())
    assert fourier["result"]["stage1_end"] == "stage1_block2_out"
    hessian = json.loads((results / "resnet_mcdo_18.s0" / "hessian.json").read_text())
    assert len(hessian["result"]["eigenvalues"]) == 2
    # An evaluation alone gives the numbers it gave after the others (the random generators
    # are reset to their seeded state before each).
    again = tmp_path / "again"
    runner.run_study(plan, str(runs_dir), str(again), only=["resnet_mcdo_18.s1"],
                     steps=["fourier"], report=messages.append)
    assert json.loads((again / "resnet_mcdo_18.s1" / "fourier.json").read_text())["result"] == \
        json.loads((results / "resnet_mcdo_18.s1" / "fourier.json").read_text())["result"]
    # A second call computes nothing and touches nothing.
    before = snapshot(runs_dir, results)
    summary = runner.run_study(plan, str(runs_dir), str(results), report=messages.append)
    assert summary == {"trained": [], "evaluated": {}, "study": []}
    assert snapshot(runs_dir, results) == before


def test_a_foreign_run_directory_is_refused_before_any_compute(tmp_path):
    plan = tiny_plan(presets=False)
    other = dict(TINY_RECIPE, model_args={"width": 8})
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import claim
    claim(TrainConfig(model="resnet_mcdo_18", model_dir=str(tmp_path / "resnet_mcdo_18.s1"),
                        seed=1, **other).resolved())
    state = runner.run_state(plan.get("resnet_mcdo_18.s1"), str(tmp_path))
    assert state.status == "foreign" and "model_args {'width': 8} -> {'width': 4}" in state.detail
    with pytest.raises(runner.StudyError, match="resnet_mcdo_18.s1: .* holds another run"):
        runner.run_study(plan, str(tmp_path), str(tmp_path / "results"), steps=["train"],
                         report=lambda message: None)
    assert not (tmp_path / "resnet_mcdo_18.s0" / "run.json").exists()   # nothing claimed
    (tmp_path / "resnet_mcdo_18.s0").mkdir()
    (tmp_path / "resnet_mcdo_18.s0" / "notes.txt").write_text("mine")
    assert runner.run_state(plan.get("resnet_mcdo_18.s0"), str(tmp_path)).status == "foreign"


def test_a_run_started_by_hand_with_the_training_cli_is_the_studys(tmp_path):
    """The lead starts main runs with `python -m blur_keras.training` flags: same identity."""
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import claim
    plan = study_plan()
    for name in ("resnet_mcdo_smoothing_18.s2", "resnet_dnn_18.s1"):
        run = plan.get(name)
        model = run.model
        # What `--model=M --dataset=fashion_mnist --model_args='{"width": 16}' --epochs=4
        # --milestones=2,3 --seed=S --eval_ensemble_sizes=1` builds.
        claim(TrainConfig(model=model, dataset="fashion_mnist", model_dir=str(tmp_path / name),
                            model_args=json.loads('{"width": 16}'), epochs=4, milestones=(2, 3),
                            seed=run.seed, eval_ensemble_sizes=(1,), verbose=2).resolved())
        assert runner.run_state(run, str(tmp_path)).status == "in progress"
        # The command the study prints starts that same run: the same flags, nothing else.
        assert command_flags(run.train_command(f"{tmp_path}/")) == {
            "model": model, "eval_ensemble_sizes": "1", "dataset": "fashion_mnist",
            "model_args": '{"width": 16}', "epochs": "4", "milestones": "2,3",
            "seed": str(run.seed), "model_dir": f"{tmp_path}/{name}"}


def command_flags(command):
    """`{name: value}` of a `python -m blur_keras.training --name=value ...` line."""
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "blur_keras.training"]
    flags = dict(word.removeprefix("--").partition("=")[::2] for word in words[3:])
    assert len(flags) == len(words) - 3          # no flag twice
    return flags


def test_the_training_command_of_an_ablation_carries_its_model_args():
    run = study_plan().get("resnet_mcdo_smoothing_18.k121")
    flags = command_flags(run.train_command("runs/study"))
    assert json.loads(flags["model_args"]) == {"width": 16, "smoothing": {"kernel": [1, 2, 1]}}
    assert flags["model_dir"] == "runs/study/resnet_mcdo_smoothing_18.k121"
    assert flags["seed"] == "0"
    tiny = tiny_plan(presets=False).get("resnet_mcdo_18.s0")     # a False boolean: --noname
    assert command_flags(tiny.train_command("r"))["nodeterministic"] == ""


def test_steps_and_selection_are_checked():
    plan = study_plan()
    assert runner.parse_steps(["clean", "train"]) == ({"train"}, ["clean"])
    assert runner.parse_steps(None)[1] == ["clean", "corruptions", "consistency", "variance",
                                           "fourier", "hessian"]
    with pytest.raises(runner.StudyError, match="unknown steps \\['cleaning'\\]"):
        runner.parse_steps(["cleaning"])
    with pytest.raises(ValueError, match="unknown runs \\['resnet_dnn_18.s9'\\]"):
        plan.select(["resnet_dnn_18.s9"])
    shards = [plan.select(shard=(i, 3)) for i in (1, 2, 3)]
    assert sorted(r.name for shard in shards for r in shard) == sorted(plan.names())
