"""The retrofit experiment's plumbing (scripts/retrofit_experiment.py, scripts/retrofit_report.py):
its commands, lanes and records, and the section of docs/retrofit.md written from the committed
runs alone, every cell open until its run is collected."""

import importlib.util
import json
import os
import sys

import numpy as np
import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), "..", "..", "scripts")


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(SCRIPTS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scripts():
    sys.path.insert(0, SCRIPTS)
    try:
        yield _load("retrofit_experiment"), _load("retrofit_report")
    finally:
        sys.path.remove(SCRIPTS)


def flags(command):
    return dict(word[2:].split("=", 1) for word in command if word.startswith("--"))


def test_each_cell_is_a_training_run_from_its_preset(scripts):
    experiment, _ = scripts
    expected = {
        "dnn_preset": ("resnet_dnn_18", "resnet_dnn_18.fmnist_w16", "0", None),
        "dnn_finetuned": ("resnet_dnn_18", "resnet_dnn_18.fmnist_w16", "3", None),
        "dnn_retrofitted": ("resnet_dnn_18", "resnet_dnn_18.fmnist_w16", "3",
                            '{"padding": "reference"}'),
        "mcdo_smoothing_preset": ("resnet_mcdo_smoothing_18",
                                  "resnet_mcdo_smoothing_18.fmnist_w16", "0", None)}
    for name, (model, init, epochs, retrofit) in expected.items():
        command = flags(experiment.training_command(name, "/runs"))
        assert (command["model"], command["init_from"], command["epochs"]) == (model, init, epochs)
        assert command.get("retrofit") == retrofit
        assert command["validation"] == "holdout" and command["eval_ensemble_sizes"] == "1,10"
        assert command["warmup_epochs"] == "0" and command["model_dir"] == f"/runs/{name}"
        if epochs != "0":
            assert (command["schedule"], command["lr"]) == ("cosine", "0.01")
    corruption = flags(experiment.corruption_command("mcdo_finetuned", "/runs"))
    assert corruption["model"] == "/runs/mcdo_finetuned/model.keras"
    assert (corruption["num_samples"], corruption["subset"]) == ("10", "500")
    assert flags(experiment.corruption_command("dnn_preset", "/runs"))["num_samples"] == "1"
    with pytest.raises(ValueError, match="not a run of the experiment: 'dnn_scratch'"):
        experiment.parse("dnn_scratch")


@pytest.mark.parametrize("lanes", [1, 2, 3])
def test_the_lanes_share_every_run_once(scripts, lanes):
    experiment, _ = scripts
    runs = [name for lane in range(lanes) for name in experiment.lane_runs(lane, lanes)]
    assert sorted(runs) == sorted(experiment.ORDER) and len(set(runs)) == 8
    with pytest.raises(ValueError, match="--lane must be in"):
        experiment.lane_runs(lanes, lanes)


def test_estimates_follow_the_work(scripts):
    experiment, _ = scripts
    seconds = {name: experiment.estimate_seconds(name) for name in experiment.ORDER}
    assert seconds["mcdo_finetuned"] > seconds["dnn_finetuned"] > seconds["dnn_preset"]
    assert seconds["mcdo_preset"] > seconds["dnn_preset"]
    # The deterministic fine-tune: 3 x 390 x 128 images at 300 img/s, and its evaluations.
    assert 499 < seconds["dnn_finetuned"] < 800
    text = experiment.plan(2, "/runs")
    assert all(name in text for name in experiment.ORDER) and text.count("lane ") == 2


def fake_run(directory, status="finished", corruptions=True):
    """A run directory as the programs leave it, with made-up numbers."""
    os.makedirs(os.path.join(directory, "corruptions"))
    metrics = {"nll": 0.3, "accuracy": 0.9, "ece": 0.02, "brier": 0.1}
    with open(os.path.join(directory, "run.json"), "w") as f:
        json.dump({"init_from": "x"}, f)
    with open(os.path.join(directory, "result.json"), "w") as f:
        json.dump({"status": status, "validation": {"1": metrics}, "test": {"1": metrics}}, f)
    if corruptions:
        table = {"gaussian_noise": {"1": {**metrics, "accuracy": 0.8},
                                    "2": {**metrics, "accuracy": 0.6}}}
        with open(os.path.join(directory, "corruptions", "corruptions.json"), "w") as f:
            json.dump({"config": {"num_samples": 1}, "scores": None, "table": table}, f)


def test_collect_copies_finished_runs_only(scripts, tmp_path, monkeypatch):
    experiment, _ = scripts
    monkeypatch.setattr(experiment, "RESULTS", str(tmp_path / "results"))
    fake_run(str(tmp_path / "runs" / "dnn_preset"))
    fake_run(str(tmp_path / "runs" / "dnn_finetuned"), corruptions=False)
    fake_run(str(tmp_path / "runs" / "mcdo_preset"), status="diverged")
    experiment.collect(str(tmp_path / "runs"))
    records = experiment.load_runs(str(tmp_path / "results"))
    assert list(records) == ["dnn_preset"]
    record = records["dnn_preset"]
    assert record["corruptions"]["mean"] == pytest.approx({"error": 0.3, "nll": 0.3,
                                                           "ece": 0.02})
    assert record["source"]["preset"] == "resnet_dnn_18.fmnist_w16"
    assert record["source"]["validation"] in ("test", "holdout")
    assert "--init_from=resnet_dnn_18.fmnist_w16" in record["commands"][0]
    assert "curves" not in record                       # nothing trained: no curves.json
    assert experiment.finished(str(tmp_path / "runs" / "dnn_preset"))
    assert not experiment.finished(str(tmp_path / "runs" / "dnn_finetuned"))


def record(name, nll, test_nll=9.0, validation="test"):
    metrics = lambda value: {"nll": value, "accuracy": 0.9, "ece": 0.01}  # noqa: E731
    sizes = ("1", "10") if name.startswith("mcdo") else ("1",)
    return {"name": name, "source": {"preset": name.split("_")[0], "validation": validation},
            "result": {"validation": {n: metrics(nll) for n in sizes},
                       "test": {n: metrics(test_nll) for n in sizes}},
            "corruptions": {"mean": {"error": 0.25, "nll": 0.8, "ece": 0.05}}}


def outcome(nll, n=1, seed=0):
    rng = np.random.default_rng(seed)
    values = nll + rng.normal(0, 0.05, size=2000)
    return {"n": n, "labels": [i % 10 for i in range(2000)], "nll": values.tolist(),
            "metrics": {"nll": float(values.mean())}}


def test_before_any_run_every_cell_is_open(scripts):
    _, report = scripts
    text = report.section({}, {})
    assert "Finished: 0 of 8 runs." in text
    for line in text.splitlines():
        if line.startswith(("| Deterministic", "| MC dropout")):
            cells = [cell.strip() for cell in line.strip("|").split("|")[2:]]
            assert set(cells) <= {"open", "-", "1", "10"}, line
    assert text.count(": open.") == 16          # 4 comparisons x 2 families x 2 splits
    assert "python scripts/retrofit_experiment.py run --lane=0 --lanes=2" in text
    assert "python scripts/retrofit_experiment.py outcomes --runs_dir=~/runs/retrofit" in text
    assert "--retrofit={\"padding\": \"reference\"}' --model_dir=RUNS_DIR/dnn_retrofitted" in text


def test_verdicts_come_from_test_intervals_and_the_hold_out_gives_numbers_only(scripts):
    _, report = scripts
    runs = {name: record(name, nll) for name, nll in (
        ("dnn_finetuned", 0.20), ("dnn_retrofitted", 0.18), ("mcdo_retrofitted", 0.25),
        ("mcdo_smoothing_preset", 0.22), ("mcdo_finetuned", 0.30))}
    outcomes = {"dnn_finetuned": outcome(0.20), "dnn_retrofitted": outcome(0.18, seed=1),
                "mcdo_retrofitted": outcome(0.25, 10, seed=2)}
    # The same NLLs over other images: a mean difference of zero, spread by the pairing.
    tie = outcome(0.25, 10, seed=2)
    tie["nll"] = np.random.default_rng(3).permutation(tie["nll"]).tolist()
    outcomes["mcdo_smoothing_preset"] = tie
    text = report.section(runs, outcomes)
    assert "Finished: 5 of 8 runs." in text
    lines = {line.split(":")[0]: line for line in text.splitlines() if line.startswith("- **")}
    lower = lines["- **Deterministic, (c) vs (b)** (test NLL, N = 1)"]
    assert "difference -0.01" in lower and lower.endswith("**lower**.")
    tie = lines["- **MC dropout, (c) vs (d)** (test NLL, N = 10)"]
    assert tie.endswith("**no difference the test split resolves**.")
    assert lines["- **MC dropout, (c) vs (b)** (test NLL, N = 10)"].endswith(": open.")
    # The hold-out is listed with numbers and no verdict.
    holdout = lines["- **Deterministic, (c) vs (b)** (hold-out NLL, N = 1)"]
    assert holdout.endswith("0.1800 vs 0.2000, a difference of -0.0200.")
    assert "lower" not in holdout
    assert "| Deterministic | (c) retrofitted with smoothing, fine-tuned 3 epochs | 9.0000 | " \
           "90.00% | 0.0100 | - | - | - |" in text
    assert "| MC dropout | (d) the smoothing twin, trained from scratch | 10 | 25.00% | 0.8000 | " \
           "0.0500 |" in text
    assert "The hold-out is not held out for every cell" in text
    held = {name: record(name, 0.2, validation="holdout") for name in runs}
    assert "none of the cells trained on" in report.section(held, {})


def test_outcomes_over_other_images_are_refused(scripts):
    _, report = scripts
    other = outcome(0.2)
    other["labels"] = other["labels"][::-1]
    with pytest.raises(ValueError, match="other images"):
        report.test_line({"dnn_retrofitted": outcome(0.2), "dnn_finetuned": other}, "dnn",
                         "retrofitted", "finetuned")


def test_the_page_keeps_everything_outside_its_section(scripts):
    _, report = scripts
    text = f"# Retrofit\n\nThe API.\n\n{report.BEGIN}\nold numbers\n{report.END}\n\nAfter.\n"
    new = report.page(text, {}, {})
    assert new.startswith("# Retrofit\n\nThe API.\n\n" + report.BEGIN)
    assert new.endswith(report.END + "\n\nAfter.\n") and "old numbers" not in new
    assert report.page(new, {}, {}) == new
    appended = report.page("# Retrofit\n", {}, {})
    assert appended.startswith("# Retrofit\n\n" + report.BEGIN)


def test_the_committed_page_is_the_report_of_the_committed_runs(scripts):
    experiment, report = scripts
    with open(report.PAGE) as f:
        text = f.read()
    assert report.BEGIN in text
    assert report.page(text, experiment.load_runs(), experiment.load_outcomes()) == text, \
        "docs/retrofit.md is stale: run python scripts/retrofit_report.py"


@pytest.mark.real_data
def test_outcomes_are_the_runs_model_on_the_whole_test_split(scripts, tmp_path, monkeypatch):
    import keras
    experiment, _ = scripts
    run_dir = tmp_path / "runs" / "dnn_finetuned"
    fake_run(str(run_dir))
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(run_dir / "model.keras")
    monkeypatch.setattr(experiment, "OUTCOMES", str(tmp_path / "outcomes"))
    experiment.collect_outcomes(str(tmp_path / "runs"))
    records = experiment.load_outcomes(str(tmp_path / "outcomes"))
    assert list(records) == ["dnn_finetuned"]                 # only finished runs
    record = records["dnn_finetuned"]
    assert record["n"] == 1 and record["seed"] == 0 and len(record["nll"]) == 10_000
    assert np.mean(record["nll"]) == pytest.approx(record["metrics"]["nll"], abs=1e-6)
    assert record["labels"][:3] == [9, 2, 1]                  # Fashion-MNIST's test order
