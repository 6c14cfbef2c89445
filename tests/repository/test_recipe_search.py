"""The recipe search's page: its choices follow their rules on validation numbers, and stay open
while a run they need is missing (scripts/recipe_search_report.py)."""

import importlib.util
import json
import os
import sys

import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), "..", "..", "scripts")


@pytest.fixture(scope="module")
def report():
    sys.path.insert(0, SCRIPTS)
    try:
        spec = importlib.util.spec_from_file_location(
            "recipe_search_report", os.path.join(SCRIPTS, "recipe_search_report.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(SCRIPTS)


def record(name, val_nll, test_nll=9.0, ns=("1",)):
    metrics = lambda nll: {"nll": nll, "accuracy": 0.9, "ece": 0.01}  # noqa: E731
    return {"name": name,
            "curves": {"epoch": [1, 2], "val_nll": [1.0, val_nll], "best_val_nll_epoch": 2},
            "result": {"validation": {n: metrics(val_nll) for n in ns},
                       "test": {n: metrics(test_nll) for n in ns}}}


def test_choices_are_the_lowest_validation_nll_and_ignore_the_test_split(report):
    runs = {"dnn_cosine_e15": record("dnn_cosine_e15", 0.20, test_nll=0.5),
            "dnn_multistep_e15": record("dnn_multistep_e15", 0.21, test_nll=0.1),
            "dnn_cosine_e10": record("dnn_cosine_e10", 0.19)}
    for rate, nll in (("0.05", 0.22), ("0.1", 0.18), ("0.2", 0.19), ("0.3", 0.25)):
        name = f"mcdo{rate}_cosine_e5"
        runs[name] = record(name, nll, ns=("1", "10"))
    chosen = report.decisions(runs)
    assert chosen["schedule"]["choice"] == "cosine"
    assert chosen["epochs (deterministic)"]["choice"] == "10"
    assert chosen["rate"]["choice"] == "0.1"
    assert report.chosen_mcdo_run(chosen) == "mcdo0.1_cosine_e15"
    assert chosen["epochs (MC dropout)"]["missing"] == ["mcdo0.1_cosine_e15"]
    assert "MC dropout vs deterministic** (validation NLL, N = 10 vs N = 1): open." in \
        report.comparison_line(runs, chosen)
    assert report.planned_runs(runs)[6] == "mcdo0.1_cosine_e15"
    runs["mcdo0.1_cosine_e15"] = record("mcdo0.1_cosine_e15", 0.17, test_nll=0.9, ns=("1", "10"))
    chosen = report.decisions(runs)
    assert chosen["epochs (MC dropout)"]["choice"] == "15"
    line = report.comparison_line(runs, chosen)
    assert "mcdo0.1_cosine_e15 at N = 10 beats dnn_cosine_e15" in line and "0.1700 vs 0.2000" in line
    runs["dnn_cosine_e15"] = record("dnn_cosine_e15", 0.16)
    assert "does not beat" in report.comparison_line(runs, report.decisions(runs))


def test_the_mc_dropout_run_is_cosine_and_a_multistep_win_adds_its_twin(report):
    runs = {"dnn_cosine_e15": record("dnn_cosine_e15", 0.22),
            "dnn_multistep_e15": record("dnn_multistep_e15", 0.21)}
    for rate, nll in (("0.05", 0.22), ("0.1", 0.23), ("0.2", 0.19), ("0.3", 0.25)):
        runs[f"mcdo{rate}_cosine_e5"] = record(f"mcdo{rate}_cosine_e5", nll, ns=("1", "10"))
    chosen = report.decisions(runs)
    assert chosen["schedule"]["choice"] == "multistep"
    assert report.chosen_mcdo_run(chosen) == "mcdo0.2_cosine_e15"
    assert report.planned_runs(runs)[-2:] == ["dnn_cosine_e10", "mcdo0.2_multistep_e15"]
    runs["mcdo0.2_multistep_e15"] = record("mcdo0.2_multistep_e15", 0.2, ns=("1", "10"))
    assert "mcdo0.2_multistep_e15 at N = 10 beats dnn_multistep_e15" in \
        report.comparison_line(runs, report.decisions(runs))


def test_while_the_schedule_is_open_the_comparison_is_cosine_and_says_so(report):
    runs = {"dnn_cosine_e15": record("dnn_cosine_e15", 0.22),
            "mcdo0.1_cosine_e15": record("mcdo0.1_cosine_e15", 0.30, ns=("1", "10"))}
    for rate, nll in (("0.05", 0.22), ("0.1", 0.18), ("0.2", 0.19), ("0.3", 0.25)):
        runs[f"mcdo{rate}_cosine_e5"] = record(f"mcdo{rate}_cosine_e5", nll, ns=("1", "10"))
    line = report.comparison_line(runs, report.decisions(runs))
    assert "mcdo0.1_cosine_e15 at N = 10 does not beat dnn_cosine_e15" in line
    assert "the schedule choice is still open" in line


def test_a_choice_with_a_missing_run_is_open_and_the_page_says_so(report, tmp_path):
    runs = {"dnn_cosine_e15": record("dnn_cosine_e15", 0.20),
            "mcdo0.3_cosine_e5": record("mcdo0.3_cosine_e5", 0.18, ns=("1", "10"))}
    chosen = report.decisions(runs)
    assert chosen["schedule"] == {"choice": None, "values": {"cosine": 0.20},
                                  "missing": ["dnn_multistep_e15"]}
    assert chosen["rate"]["choice"] is None
    assert report.chosen_mcdo_run(chosen) is None
    text = report.page(runs)
    assert "**Schedule**: open, waiting for dnn_multistep_e15" in text
    assert "**MC dropout vs deterministic** (validation NLL, N = 10 vs N = 1): open." in text
    assert "Finished: 2 of 8 runs." in text and "mcdo_chosen_e15" in text
    report.plot(runs, str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_the_page_before_any_run_finishes_has_every_choice_open_and_no_plot(report):
    text = report.page({})
    assert "Finished: 0 of 8 runs." in text and "open, waiting for dnn_cosine_e15" in text
    assert "validation_nll.png" not in text


def test_run_names_parse_and_bad_names_are_refused(report):
    assert report.parse("mcdo0.05_multistep_e15") == ("resnet_mcdo_18", "multistep", 15, 0.05)
    assert report.parse("dnn_cosine_e10") == ("resnet_dnn_18", "cosine", 10, None)
    with pytest.raises(ValueError, match="not a run name of the search: 'dnn_adam_e10'"):
        report.parse("dnn_adam_e10")


def test_collect_keeps_the_15_epoch_models_and_restore_writes_them_back(report, tmp_path,
                                                                          monkeypatch):
    search = sys.modules["recipe_search"]
    monkeypatch.setattr(search, "RESULTS", str(tmp_path / "records"))
    monkeypatch.setattr(search, "MODELS", str(tmp_path / "models"))
    runs = tmp_path / "runs"
    for name in ("dnn_cosine_e15", "mcdo0.1_cosine_e5", "dnn_cosine_e10"):
        directory = runs / name
        directory.mkdir(parents=True)
        for part in ("run", "curves", "result"):
            (directory / f"{part}.json").write_text(f'{{"part": "{part}"}}')
        (directory / "model.keras").write_bytes(b"weights of " + name.encode())
    (runs / "dnn_cosine_e10" / "result.json").unlink()       # not finished: not collected
    search.collect(str(runs))
    assert sorted(os.listdir(tmp_path / "models")) == ["dnn_cosine_e15.keras"]
    restored = tmp_path / "elsewhere"
    assert search.restore(str(restored)) == ["dnn_cosine_e15"]
    assert (restored / "dnn_cosine_e15" / "model.keras").read_bytes() == b"weights of dnn_cosine_e15"
    assert json.loads((restored / "dnn_cosine_e15" / "result.json").read_text()) == {"part": "result"}
    assert search.restore(str(restored)) == []                # an existing directory is kept


def test_the_target_line_reports_the_candidates_test_accuracy(report):
    runs = {"dnn_cosine_e15": record("dnn_cosine_e15", 0.2)}
    assert "open" in report.target_line({}, report.decisions({}))
    line = report.target_line(runs, report.decisions(runs))
    assert "(target 94.0%, N = 1; reported, not used by any choice): dnn_cosine_e15 90.00%." in line
