"""The retrofit experiment's plumbing (scripts/retrofit_experiment.py, scripts/retrofit_report.py):
its commands, lanes and records, and the section of docs/retrofit.md written from the committed
runs alone, every cell open until its run is collected."""

import importlib.util
import json
import os
import sys

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


def test_before_any_run_every_cell_is_open(scripts):
    _, report = scripts
    text = report.section({})
    assert "Finished: 0 of 8 runs." in text
    for line in text.splitlines():
        if line.startswith(("| Deterministic", "| MC dropout")):
            cells = [cell.strip() for cell in line.strip("|").split("|")[2:]]
            assert set(cells) <= {"open", "-", "1", "10"}, line
    assert text.count(": open.") == 6
    assert "python scripts/retrofit_experiment.py run --lane=0 --lanes=2" in text
    assert "--retrofit={\"padding\": \"reference\"}' --model_dir=RUNS_DIR/dnn_retrofitted" in text


def test_numbers_and_comparisons_come_from_the_hold_out(scripts):
    _, report = scripts
    runs = {name: record(name, nll) for name, nll in (
        ("dnn_finetuned", 0.20), ("dnn_retrofitted", 0.18), ("mcdo_retrofitted", 0.25),
        ("mcdo_smoothing_preset", 0.22))}
    runs["dnn_finetuned"]["result"]["test"]["1"]["nll"] = 0.01     # decides nothing
    text = report.section(runs)
    assert "Finished: 4 of 8 runs." in text
    assert "- **Deterministic, (c) vs (b)** (hold-out NLL, N = 1): 0.1800 vs 0.2000, lower by " \
           "+0.0200 (one seed each, no interval)." in text
    assert "- **MC dropout, (c) vs (d)** (hold-out NLL, N = 10): 0.2500 vs 0.2200, " \
           "not lower" in text
    assert "- **MC dropout, (c) vs (b)** (hold-out NLL, N = 10): open." in text
    assert "| Deterministic | (c) retrofitted with smoothing, fine-tuned 3 epochs | 0.1800 | " \
           "90.00% | 0.0100 | - | - | - |" in text
    assert "| MC dropout | (d) the smoothing twin, trained from scratch | 10 | 25.00% | 0.8000 | " \
           "0.0500 |" in text
    assert "The hold-out is not held out for every cell" in text
    held = {name: record(name, 0.2, validation="holdout") for name in runs}
    assert "none of the cells trained on" in report.section(held)


def test_the_page_keeps_everything_outside_its_section(scripts):
    _, report = scripts
    text = f"# Retrofit\n\nThe API.\n\n{report.BEGIN}\nold numbers\n{report.END}\n\nAfter.\n"
    new = report.page(text, {})
    assert new.startswith("# Retrofit\n\nThe API.\n\n" + report.BEGIN)
    assert new.endswith(report.END + "\n\nAfter.\n") and "old numbers" not in new
    assert report.page(new, {}) == new
    appended = report.page("# Retrofit\n", {})
    assert appended.startswith("# Retrofit\n\n" + report.BEGIN)


def test_the_committed_page_is_the_report_of_the_committed_runs(scripts):
    experiment, report = scripts
    with open(report.PAGE) as f:
        text = f.read()
    assert report.BEGIN in text
    assert report.page(text, experiment.load_runs()) == text, \
        "docs/retrofit.md is stale: run python scripts/retrofit_report.py"
