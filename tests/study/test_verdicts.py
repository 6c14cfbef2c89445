"""The report's verdict helpers (study/verdicts.py): each outcome can come out."""

import doctest

import pytest

from study import verdicts
from study.verdicts import (
    Paired, against_the_paper, combined_verdict, observation, paired_verdict, sanity_outcome)


def test_docstring_examples():
    assert doctest.testmod(verdicts).failed == 0


def test_a_paired_comparison_without_data_says_what_is_missing():
    assert paired_verdict(Paired(missing=["a/clean.json"]), "lower") == \
        "not run yet (missing: a/clean.json)"


@pytest.mark.parametrize("delta, expected", [
    (-0.01, "observation (the paper's way)"), (0.01, "observation (against the paper)"),
    (0.0, "observation (tie)")])
def test_one_seed_is_an_observation(delta, expected):
    assert observation(Paired([0], [0.3], [0.3 + delta]), "lower") == expected


@pytest.mark.parametrize("outcomes, expected", [
    (["holds", "holds"], "holds"),
    (["holds", "does not hold"], "does not hold"),
    (["holds", "inconclusive (2/3 seeds the paper's way)"], "inconclusive (holds at 1/2 N)"),
    (["not run yet (missing: x)", "holds"], "not run yet (missing: x)")])
def test_a_claim_at_every_point_holds_only_where_it_holds_at_each(outcomes, expected):
    assert combined_verdict(outcomes) == expected


def test_sanity_checks_pass_or_fail_with_the_count():
    assert sanity_outcome([True, True, True]) == "passes"
    assert sanity_outcome([True, False, True]) == "fails (1/3 seeds)"
    assert sanity_outcome([], ["a/variance.json"]) == "not run yet (missing: a/variance.json)"


@pytest.mark.parametrize("verdict, against", [
    ("does not hold", True), ("holds", False), ("inconclusive (1/3 seeds the paper's way)", True),
    ("inconclusive (2/3 seeds the paper's way)", False), ("observation (against the paper)", True),
    ("observation (the paper's way)", False), ("inconclusive", False)])
def test_results_against_the_paper_are_found(verdict, against):
    assert against_the_paper(verdict) is against
