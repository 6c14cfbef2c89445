"""Interval verdicts (study/intervals.py): each rule can come out every way."""

import doctest

import numpy as np
import pytest

from study import intervals
from blur_keras.paired_bootstrap import Interval
from study.intervals import interval_verdict, saving, seed_interval


def test_docstring_examples():
    assert doctest.testmod(intervals).failed == 0


def test_seed_interval_is_the_student_t_interval():
    interval = seed_interval([1.0, 2.0, 3.0])
    # mean 2, sd 1, n 3: t_{0.975, 2} = 4.302653 -> half width 4.302653 / sqrt(3)
    assert interval.mean == pytest.approx(2.0)
    assert interval.high - 2.0 == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)
    single = seed_interval([0.5])
    assert not single.defined and "no interval" in single.text()


@pytest.mark.parametrize("interval, better, expected", [
    (Interval(-0.02, -0.03, -0.01, 3), "lower", "holds"),
    (Interval(-0.02, -0.03, -0.01, 3), "higher", "does not hold"),
    (Interval(0.02, 0.01, 0.03, 3), "lower", "does not hold"),
    (Interval(0.02, 0.01, 0.03, 3), "higher", "holds"),
    (Interval(0.0, -0.01, 0.01, 3), "lower", "inconclusive"),
    (Interval(-0.02, float("nan"), float("nan"), 1), "lower", "inconclusive"),
])
def test_every_verdict_can_come_out(interval, better, expected):
    assert interval_verdict(interval, better) == expected


def test_three_agreeing_seeds_with_a_wide_interval_are_inconclusive_with_their_count():
    # The v1 rule called this "holds" (3/3 seeds); the interval straddles zero.
    differences = [-0.0007, -0.00001, -0.004]
    verdict = interval_verdict(seed_interval(differences), "lower", differences)
    assert verdict == "inconclusive (3/3 seeds the paper's way)"


def test_saving_compares_both_networks_against_the_same_target():
    plain = {1: 0.30, 2: 0.27, 5: 0.25, 10: 0.241, 20: 0.2405, 50: 0.240}
    smooth = {1: 0.26, 2: 0.245, 5: 0.239, 10: 0.236}
    # With a tolerance plain MC dropout reaches its own N=50 value at N=10: a rule "5x fewer
    # samples than 50" would pass for it too; the saving due to smoothing is 10/2.
    result = saving(plain, smooth, tolerance=0.005)
    assert (result.plain_samples, result.smooth_samples, result.factor) == (10, 2, 5.0)
    exact = saving(plain, smooth)
    assert (exact.plain_samples, exact.smooth_samples, exact.factor) == (50, 5, 10.0)
    never = saving(plain, {1: 0.3, 2: 0.29})
    assert never.smooth_samples is None and never.factor is None


@pytest.mark.parametrize("call, message", [
    (lambda: seed_interval([]), "non-empty"),
    (lambda: seed_interval([1.0, 2.0], confidence=1.5), "confidence"),
    (lambda: interval_verdict(Interval(0, -1, 1, 3), "smaller"), "better"),
    (lambda: saving({1: 0.3}, {1: 0.2}), "reference N = 50"),
    (lambda: saving({50: 0.3}, {1: 0.2}, tolerance=-1), "tolerance"),
])
def test_bad_input_is_refused_with_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
