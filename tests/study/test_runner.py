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
    plan = tiny_plan()      # seed 0: the run of the preset resnet_mcdo_18.fmnist_w16
    runs_dir, results = tmp_path / "runs", tmp_path / "results"
    messages = []
    summary = runner.run_study(plan, str(runs_dir), str(results), report=messages.append)
    # The shipped preset is of another recipe: seed 0 trains in the preset's run directory
    # (the zoo build's), seed 1 in runs/<name>.
    assert summary["trained"] == ["resnet_mcdo_18.s0", "resnet_mcdo_18.s1"]
    assert (runs_dir / "resnet_mcdo_18.fmnist_w16" / "model.keras").is_file()
    assert (runs_dir / "resnet_mcdo_18.s1" / "model.keras").is_file()
    evaluations = ["clean", "corruptions", "consistency", "variance", "fourier", "predictive",
                   "hessian", "landscape", "bn_adaptation"]
    assert summary["evaluated"] == {"resnet_mcdo_18.s0": evaluations,
                                    "resnet_mcdo_18.s1": evaluations}
    # result.json: the training run's own.
    s0 = json.loads((results / "resnet_mcdo_18.s0" / "result.json").read_text())
    s1 = json.loads((results / "resnet_mcdo_18.s1" / "result.json").read_text())
    assert s0 == json.loads((runs_dir / "resnet_mcdo_18.fmnist_w16" / "result.json").read_text())
    assert s1 == json.loads((runs_dir / "resnet_mcdo_18.s1" / "result.json").read_text())
    clean0 = json.loads((results / "resnet_mcdo_18.s0" / "clean.json").read_text())
    assert "(the run of the zoo preset resnet_mcdo_18.fmnist_w16)" in clean0["source"]
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
    assert len(hessian["result"]["eigenvalues"]) == 2 and len(hessian["result"]["repeats"]) == 2
    landscape = json.loads((results / "resnet_mcdo_18.s0" / "landscape.json").read_text())
    assert np.asarray(landscape["result"]["losses"]).shape == (3, 3)
    bn = json.loads((results / "resnet_mcdo_18.s0" / "bn_adaptation.json").read_text())
    assert bn["config"]["batch_norm_layers"] > 0 and len(bn["result"]["table"]) == 15
    predictive = json.loads((results / "resnet_mcdo_18.s1" / "predictive.json").read_text())
    assert predictive["config"]["samples"] == 2
    assert predictive["result"]["mutual_information"] >= 0
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


def test_a_run_started_by_hand_with_the_training_cli_is_the_studys(tmp_path, zoo_dir):
    """The lead starts main runs with `python -m blur_keras.training` flags: same identity."""
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import claim
    plan = study_plan(zoo_dir=zoo_dir)
    for name in ("resnet_mcdo_smoothing_18.s2", "resnet_dnn_18.s1"):
        run = plan.get(name)
        model = run.model
        args = {"width": 16, "mc_dropout": 0.1} if "mcdo" in model else {"width": 16}
        # What `--model=M --dataset=fashion_mnist --model_args=... --schedule=cosine
        # --epochs=15 --validation=holdout --seed=S --eval_ensemble_sizes=1` builds.
        claim(TrainConfig(model=model, dataset="fashion_mnist", model_dir=str(tmp_path / name),
                          model_args=args, schedule="cosine", epochs=15, validation="holdout",
                          seed=run.seed, eval_ensemble_sizes=(1,), verbose=2).resolved())
        assert runner.run_state(run, str(tmp_path)).status == "in progress"
        # The command the study prints starts that same run: the same flags, nothing else.
        assert command_flags(run.train_command(f"{tmp_path}/")) == {
            "model": model, "eval_ensemble_sizes": "1", "dataset": "fashion_mnist",
            "model_args": json.dumps(args), "schedule": "cosine", "epochs": "15",
            "validation": "holdout", "seed": str(run.seed), "model_dir": f"{tmp_path}/{name}"}


def test_seed_0_is_the_zoo_presets_run_in_the_zoo_builds_directory(tmp_path, zoo_dir):
    """What `python -m blur_keras.zoo build --runs_dir=R` starts is the study's seed 0 in R."""
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import claim, identity
    from blur_keras.zoo.files import preset_training_options
    plan = study_plan(zoo_dir=zoo_dir)
    for model in ("resnet_dnn_18", "resnet_mcdo_smoothing_18"):
        run, preset = plan.get(f"{model}.s0"), f"{model}.fmnist_w16"
        assert (run.preset, run.directory) == (preset, preset)
        assert run.train_options() == preset_training_options(preset, zoo_dir)
        # The zoo build's own configuration (blur_keras.publishing.building.build).
        built = TrainConfig(model_dir=str(tmp_path / preset),
                            **preset_training_options(preset, zoo_dir)).resolved()
        ours = TrainConfig(model_dir=runner.run_dir(run, str(tmp_path)),
                           **run.train_options()).resolved()
        assert identity(built) == identity(ours)
        claim(built)
        assert runner.run_state(run, str(tmp_path)).status == "in progress"
        other = plan.get(f"{model}.s1")
        assert other.directory == other.name
        assert {k: v for k, v in other.train_options().items() if k != "seed"} == \
            {k: v for k, v in run.train_options().items() if k != "seed"}


def test_a_published_preset_is_used_only_when_it_was_trained_with_the_same_options():
    from blur_keras import zoo
    from blur_keras.training.run_directory import NOT_IDENTITY
    card = zoo.card("resnet_mcdo_18.fmnist_w16")["training"]["config"]
    recipe = {key: value for key, value in card.items()
              if key not in NOT_IDENTITY and key not in ("model", "seed")}
    plan = study_plan(models=("resnet_mcdo_18",), seeds=(0,), ablations=(), baseline=False,
                      recipe=recipe)
    assert runner.run_state(plan.get("resnet_mcdo_18.s0"), "/nonexistent").status == "published"
    changed = study_plan(models=("resnet_mcdo_18",), seeds=(0,), ablations=(), baseline=False,
                         recipe={**recipe, "epochs": recipe["epochs"] + 1})
    state = runner.run_state(changed.get("resnet_mcdo_18.s0"), "/nonexistent")
    assert state.status == "not started" and "is of another recipe (epochs" in state.detail


def command_flags(command):
    """`{name: value}` of a `python -m blur_keras.training --name=value ...` line."""
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "blur_keras.training"]
    flags = dict(word.removeprefix("--").partition("=")[::2] for word in words[3:])
    assert len(flags) == len(words) - 3          # no flag twice
    return flags


def test_the_training_command_of_an_ablation_carries_its_model_args(zoo_dir):
    run = study_plan(zoo_dir=zoo_dir).get("resnet_mcdo_smoothing_18.k121_full")
    flags = command_flags(run.train_command("runs/study"))
    assert json.loads(flags["model_args"]) == {
        "width": 16, "mc_dropout": 0.1, "smoothing": {"kernel": [1, 2, 1], "padding": "full"}}
    assert flags["model_dir"] == "runs/study/resnet_mcdo_smoothing_18.k121_full"
    assert flags["seed"] == "0" and flags["schedule"] == "cosine"
    tiny = tiny_plan(presets=False).get("resnet_mcdo_18.s0")     # a False boolean: --noname
    assert command_flags(tiny.train_command("r"))["nodeterministic"] == ""


def test_steps_and_selection_are_checked(zoo_dir):
    plan = study_plan(zoo_dir=zoo_dir)
    assert runner.parse_steps(["clean", "train"]) == ({"train"}, ["clean"])
    assert runner.parse_steps(None)[1] == ["clean", "corruptions", "consistency", "variance",
                                           "fourier", "predictive", "hessian", "landscape",
                                           "bn_adaptation"]
    with pytest.raises(runner.StudyError, match="unknown steps \\['cleaning'\\]"):
        runner.parse_steps(["cleaning"])
    with pytest.raises(ValueError, match="unknown runs \\['resnet_dnn_18.s9'\\]"):
        plan.select(["resnet_dnn_18.s9"])
    shards = [plan.select(shard=(i, 3)) for i in (1, 2, 3)]
    assert sorted(r.name for shard in shards for r in shard) == sorted(plan.names())
