"""docs/REPRODUCTION.md from results JSONs: verdicts, partial data, figures, determinism."""

import json
import os
import pathlib
import re

import pytest

from study import report
from study.claims_accuracy import paper_saving
from study.runner import write_ensembles
from tests.study.conftest import MANY_ABLATIONS, report_plan
from tests.study.fake_results import fake_results

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan():
    """The default plan's runs with 3 seeds for both pairs and ablations of every kind (the
    study's own seeds and ablations: test_report_v2)."""
    return report_plan(seeds=(0, 1, 2), ablations=MANY_ABLATIONS)


def verdicts(text, heading="## Verdicts"):
    """`{claim id: verdict}` of the report's verdict table (or of the table under `heading`)."""
    table = text.split(heading)[1].split("\n## ")[0]
    rows = [line.split(" | ") for line in table.splitlines() if re.match(r"^\| \d[a-z] \|", line)]
    return {cells[0].strip("| "): cells[-1].strip("| ") for cells in rows}


def sanity(text):
    """`{claim id: outcome}` of the report's sanity checks."""
    return verdicts(text, "## Sanity checks")


def test_smoothing_winning_in_every_seed_holds_and_losing_in_every_seed_does_not(plan, tmp_path):
    fake_results(tmp_path, plan)
    write_ensembles(plan, str(tmp_path), lambda message: None)
    text, figures = report.render(plan, str(tmp_path))
    found = verdicts(text)
    # The fake per-seed differences are the same in every seed: zero-width intervals.
    for claim in ("1a", "1b", "1c", "1d", "1e", "1f", "2a", "2b", "2c", "3a", "3b", "3c", "3d",
                  "3e", "3f", "3g", "3h", "3i", "3j", "4a", "4b", "6e", "6f"):
        assert found[claim] == "holds", (claim, found[claim])
    # Within 1% of plain N = 50: plain MC dropout needs N = 20, smoothing N = 3 (a saving of
    # 20/3), which still misses at the paper's N = 2 (2d).
    assert "6.67x [6.67x, 6.67x]" in text
    assert found["2d"] == "does not hold"
    # One seed is an observation, never a verdict: every ablation.
    assert all(found[claim] == "observation (against the paper)" for claim in "5a 5b 5g".split())
    assert found["5e"] == "observation (the paper's way)"
    assert found["5f"] == "no paper claim (1 seed)"
    assert sanity(text) == {claim: "passes" for claim in ("5k", "5l", "6a", "6b", "6c", "6d")}
    assert not set(sanity(text)) & set(found)
    assert "lower in 3/3 seeds" in text
    assert "Against the paper (does not hold" in text and "2d (does not hold)" in text
    assert set(figures) == {"claim1_accuracy.png", "claim2_samples.png", "claim2_ensembles.png",
                            "claim3_corruptions.png", "claim4_calibration.png",
                            "claim5_ablations.png", "claim6_variance.png", "claim6_fourier.png",
                            "claim6_hessian.png"}
    losing = tmp_path / "losing"
    fake_results(losing, plan, smoothing_wins=lambda seed: False)
    write_ensembles(plan, str(losing), lambda message: None)
    text = report.render(plan, str(losing))[0]
    found = verdicts(text)
    for claim in ("1a", "1b", "1e", "2a", "2b", "2c", "3a", "3j", "4b", "6f"):
        assert found[claim] == "does not hold", (claim, found[claim])
    assert "< 0.4x" in text      # smoothing never reaches the target: its saving is below 20/50
    assert sanity(text)["6a"] == sanity(text)["6c"] == "fails (3/3 seeds)"
    assert "1a (does not hold)" in text.split("| # |")[0]


def test_the_paper_headline_is_a_25x_saving_by_the_study_rule():
    # .855 at N = 2 is within 1% of .850; plain MC dropout's own N = 10 (.867) is not.
    quoted = paper_saving()
    assert (quoted.smooth_samples, quoted.plain_samples, quoted.factor) == (2, 50, 25.0)


def test_a_variance_json_without_smoothing_layers_is_no_evidence(plan, tmp_path):
    fake_results(tmp_path, plan, evaluations=("variance",), baseline=False, ablations=False,
                 speed=False)
    for path in tmp_path.glob("resnet_mcdo_smoothing_18.s*/variance.json"):
        content = json.loads(path.read_text())
        content["result"]["layers"] = {name: value for name, value in
                                       content["result"]["layers"].items()
                                       if not name.endswith("_smooth")}
        path.write_text(json.dumps(content))
    found = sanity(report.render(plan, str(tmp_path))[0])
    assert found["6a"] == found["6b"] == "not run yet (missing: smoothing layers in " \
        "resnet_mcdo_smoothing_18.s0/variance.json, smoothing layers in " \
        "resnet_mcdo_smoothing_18.s1/variance.json, smoothing layers in " \
        "resnet_mcdo_smoothing_18.s2/variance.json)"


def test_two_of_three_seeds_or_one_seed_is_inconclusive_with_its_direction(plan, tmp_path):
    fake_results(tmp_path, plan, smoothing_wins=lambda seed: seed != 2)
    text = report.render(plan, str(tmp_path))[0]
    found = verdicts(text)
    for claim in ("1a", "1c", "2a", "3b", "6f"):
        assert found[claim] == "inconclusive (2/3 seeds the paper's way)", (claim, found[claim])
    assert found["2b"] == "inconclusive (holds at 0/8 N)"
    assert sanity(text)["6a"] == "fails (1/3 seeds)"
    assert "lower in 2/3 seeds" in text
    single = tmp_path / "single"
    fake_results(single, plan, seeds=(0,), baseline=False, ablations=False, speed=False)
    found = verdicts(report.render(plan, str(single))[0])
    assert found["1a"] == found["1c"] == "inconclusive (1/1 seeds the paper's way)"
    assert found["3a"] == "not run yet (missing: alexnet_dnn.s0/corruptions.json)"


def test_an_empty_results_folder_says_every_claim_is_not_run_yet(plan, tmp_path):
    text, figures = report.render(plan, str(tmp_path))
    assert figures == {}
    assert all(v.startswith("not run yet (missing: ") for v in verdicts(text).values())
    assert "resnet_dnn_18.s0/clean.json" in verdicts(text)["1a"]


def test_the_report_and_its_figures_are_the_same_from_the_same_jsons(plan, tmp_path):
    results = tmp_path / "results"
    fake_results(results, plan, evaluations=("fourier",), baseline=False, ablations=False,
                 speed=False)
    first = report.build_report(plan, str(results), str(tmp_path / "a" / "REPRODUCTION.md"))
    second = report.build_report(plan, str(results), str(tmp_path / "b" / "REPRODUCTION.md"))
    assert (tmp_path / "a" / "REPRODUCTION.md").read_text() == \
        (tmp_path / "b" / "REPRODUCTION.md").read_text()
    assert [os.path.basename(p) for p in first["figures"]] == \
        [os.path.basename(p) for p in second["figures"]]
    for a, b in zip(first["figures"], second["figures"]):
        assert pathlib.Path(a).read_bytes() == pathlib.Path(b).read_bytes()
    text = (tmp_path / "a" / "REPRODUCTION.md").read_text()
    for link in re.findall(r"\]\((reproduction/[^)]+)\)", text):
        assert (tmp_path / "a" / link).is_file(), link
    # A figure whose data went away is removed at the next build.
    (tmp_path / "a" / "reproduction" / "claim9_old.png").write_bytes(b"old")
    report.build_report(plan, str(results), str(tmp_path / "a" / "REPRODUCTION.md"))
    assert not (tmp_path / "a" / "reproduction" / "claim9_old.png").exists()


def test_the_committed_report_is_what_the_committed_results_give(tmp_path):
    output = tmp_path / "docs" / "REPRODUCTION.md"
    report.build_report(results_dir=str(ROOT / report.RESULTS_DIR), output=str(output))
    committed = (ROOT / "docs" / "REPRODUCTION.md").read_text()
    assert committed == output.read_text(), \
        "docs/REPRODUCTION.md is stale: run `python -m study report` and commit it"
    for link in re.findall(r"\]\((reproduction/[^)]+)\)", committed):
        assert (ROOT / "docs" / link).is_file(), f"docs/{link} is missing"


def test_the_committed_results_are_the_whole_study():
    # The committed page is never half a study: every planned evaluation JSON is committed,
    # with the study-level files the report reads.
    from study.plan import EVALUATIONS, study_plan
    from study.runner import pending_evaluations
    results = ROOT / report.RESULTS_DIR
    missing = [f"{run.name}/{name}.json" for run in study_plan().runs
               for name in pending_evaluations(run, str(results), EVALUATIONS)]
    missing += [name for name in ("ensembles.json", "speed.json")
                if not (results / name).is_file()]
    assert not missing, f"not committed yet: {missing} (`python -m study run`, then commit)"


def test_the_readme_summary_says_what_the_report_says():
    # The README's findings change with the report's first table: the same verdict counts, and
    # every claim the report lists against the paper is named there.
    committed = (ROOT / "docs" / "REPRODUCTION.md").read_text()
    counts = re.search(r"^## Verdicts \((.+)\)$", committed, re.MULTILINE).group(1)
    against = committed.split("Against the paper (")[1].split("\n")[0].split("; per corruption")[0]
    claims = re.findall(r"(\d[a-z]) \(", against)
    readme = (ROOT / "README.md").read_text()
    section = " ".join(readme.split("\n## What the study found\n")[1].split("\n## ")[0].split())
    assert counts in section, f"README: the study's verdict counts are not ({counts})"
    assert claims and not [claim for claim in claims if not re.search(rf"\b{claim}\b", section)], \
        f"README: every claim against the paper ({', '.join(claims)}) is named in its findings"


def test_a_missing_results_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"results folder .*nowhere not found \(run from the "
                                         r"repository root, or pass --results_dir\)"):
        report.build_report(results_dir=str(tmp_path / "nowhere"),
                            output=str(tmp_path / "REPRODUCTION.md"))
    assert not (tmp_path / "REPRODUCTION.md").exists()
