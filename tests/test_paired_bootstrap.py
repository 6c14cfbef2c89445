"""The paired bootstrap (blur_keras/paired_bootstrap.py): intervals that separate an effect from a
near-tie, reproducibly, and refuse what they cannot measure."""

import doctest

import numpy as np
import pytest

from blur_keras import paired_bootstrap
from blur_keras.paired_bootstrap import Interval, bootstrap_interval


def test_docstring_examples():
    assert doctest.testmod(paired_bootstrap).failed == 0


def test_an_effect_excludes_zero_and_a_near_tie_does_not():
    rng = np.random.default_rng(1)
    baseline = rng.exponential(0.2, size=5000)
    noise = rng.normal(0, 0.05, size=5000)
    effect = bootstrap_interval(baseline, baseline - 0.02 + noise)
    tie = bootstrap_interval(baseline, baseline + noise)
    assert effect.low < effect.high < 0
    assert tie.low < 0 < tie.high
    assert (effect.direction, tie.direction) == ("lower", "inconclusive")
    assert bootstrap_interval(baseline, baseline + 0.02 + noise).direction == "higher"
    assert effect.mean == pytest.approx(np.mean(noise) - 0.02)
    assert effect.count == 5000


def test_the_interval_is_reproducible_and_narrows_with_more_images():
    rng = np.random.default_rng(2)
    baseline, noise = rng.exponential(0.2, 8000), rng.normal(0, 0.1, 8000)
    assert bootstrap_interval(baseline, baseline + noise, seed=3) == bootstrap_interval(
        baseline, baseline + noise, seed=3)
    wide = bootstrap_interval(baseline[:500], baseline[:500] + noise[:500])
    narrow = bootstrap_interval(baseline, baseline + noise)
    assert narrow.high - narrow.low < (wide.high - wide.low) / 2


def test_the_95_percent_interval_has_the_normal_width():
    # For a mean of n independent differences of sd s, the 95% interval is about 2 x 1.96 s/sqrt(n).
    rng = np.random.default_rng(4)
    differences = rng.normal(0, 1, 10_000)
    interval = bootstrap_interval(np.zeros(10_000), differences, rounds=4000)
    assert interval.high - interval.low == pytest.approx(2 * 1.96 * differences.std() / 100,
                                                         rel=0.08)


def test_text_shows_the_mean_and_the_interval_or_says_there_is_none():
    assert Interval(-0.0123, -0.0201, -0.0045, 3).text() == "-0.0123 [-0.0201, -0.0045]"
    assert Interval(0.0012, float("nan"), float("nan"), 1).text() == (
        "+0.0012 (1 pair, no interval)")


@pytest.mark.parametrize("call, message", [
    (lambda: bootstrap_interval(np.zeros(3), np.zeros(4)), "same length"),
    (lambda: bootstrap_interval(np.zeros((2, 2)), np.zeros((2, 2))), "1-D"),
    (lambda: bootstrap_interval(np.zeros(1), np.zeros(1)), ">= 2"),
    (lambda: bootstrap_interval(np.zeros(3), np.zeros(3), rounds=10), "rounds"),
    (lambda: bootstrap_interval(np.zeros(3), np.zeros(3), confidence=1.0), "confidence"),
])
def test_bad_input_is_refused_with_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
