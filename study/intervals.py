"""Interval verdicts: a paired comparison holds only when its 95% interval excludes zero.

The v1 report called a claim "holds" when every seed moved the paper's way: with three seeds and
no effect at all, that happens one time in eight, and it says nothing about the size of the
effect. Here a claim is judged by the interval of the mean paired difference (smoothed minus
plain, same seed):

- across seeds: the Student t interval of the per-seed differences (n - 1 degrees of freedom);
- within one seed: a paired bootstrap over the test images (`blur_keras.paired_bootstrap`, which
  the zoo's twin comparisons use too), so that near-ties show as intervals that straddle zero.

The verdict is **holds** when the interval excludes zero in the paper's direction, **does not
hold** when it excludes zero the other way, and **inconclusive** otherwise, with the direction
count (how many seeds went the paper's way) so that a leaning result is not hidden.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import numpy as np
from scipy import stats

from blur_keras.paired_bootstrap import Interval, check_confidence

HOLDS, DOES_NOT_HOLD, INCONCLUSIVE = "holds", "does not hold", "inconclusive"
BETTER = ("lower", "higher")


def seed_interval(differences: Sequence[float], confidence: float = 0.95) -> Interval:
    """The Student t interval of the mean of per-seed paired differences.

    Args:
        differences: smoothed minus plain, one value per seed.
        confidence: the interval's two-sided coverage.

    Returns:
        An `Interval`; with fewer than two seeds its ends are `nan`.

    Example:

    >>> seed_interval([-0.02, -0.03, -0.025]).text()
    '-0.0250 [-0.0374, -0.0126]'
    """
    values = np.asarray(differences, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"differences must be a non-empty list of numbers; got {differences!r}")
    check_confidence(confidence)
    mean = float(values.mean())
    if values.size < 2:
        return Interval(mean, float("nan"), float("nan"), int(values.size), confidence)
    half = stats.t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return Interval(mean, mean - float(half), mean + float(half), int(values.size), confidence)


def interval_verdict(interval: Interval, better: str, differences: Sequence[float] = ()) -> str:
    """The verdict of an interval whose smoothed value should be `better` ("lower"/"higher").

    Args:
        interval: the mean paired difference (smoothed minus plain) and its interval.
        better: the paper's direction for the smoothed model.
        differences: the per-seed differences, for the direction count of an inconclusive verdict.

    Returns:
        `"holds"`, `"does not hold"`, or `"inconclusive (k/n seeds the paper's way)"` (without the
        count when `differences` is empty).

    Example:

    >>> interval_verdict(Interval(-0.02, -0.03, -0.01, 3), "lower")
    'holds'
    >>> interval_verdict(Interval(-0.01, -0.03, 0.01, 3), "lower", [-0.02, -0.02, 0.01])
    "inconclusive (2/3 seeds the paper's way)"
    """
    if better not in BETTER:
        raise ValueError(f"better must be one of {BETTER}; got {better!r}")
    sign = -1.0 if better == "lower" else 1.0
    if interval.defined and sign * interval.low > 0 and sign * interval.high > 0:
        return HOLDS
    if interval.defined and sign * interval.low < 0 and sign * interval.high < 0:
        return DOES_NOT_HOLD
    if not len(differences):
        return INCONCLUSIVE
    agreeing = sum(1 for d in differences if sign * d > 0)
    return f"{INCONCLUSIVE} ({agreeing}/{len(differences)} seeds the paper's way)"


def samples_to_reach(nll_by_samples: Mapping[int, float], target: float) -> int | None:
    """The fewest MC samples N whose NLL is at or below `target` (None if no evaluated N is).

    Args:
        nll_by_samples: NLL per evaluated number of samples N (keys may be ints or digit strings).
        target: the NLL to reach.

    Example:

    >>> samples_to_reach({1: 0.30, 2: 0.26, 5: 0.24, 10: 0.235}, 0.25)
    5
    """
    ordered = sorted((int(n), float(nll)) for n, nll in nll_by_samples.items())
    return next((n for n, nll in ordered if nll <= target), None)


@dataclasses.dataclass(frozen=True)
class Saving:
    """How many fewer MC samples smoothing needs to match plain MC dropout at `reference` samples.

    Attributes:
        target: the NLL to reach: plain MC dropout's at `reference` samples, plus the tolerance.
        plain_samples: the fewest samples plain MC dropout needs to reach it (at most `reference`).
        smooth_samples: the fewest samples the smoothed network needs (None: no evaluated N does).
        factor: `plain_samples / smooth_samples`, the saving due to smoothing (None when the
            smoothed network never reaches the target); 1 means no saving.
    """

    target: float
    plain_samples: int
    smooth_samples: int | None

    @property
    def factor(self) -> float | None:
        return None if self.smooth_samples is None else self.plain_samples / self.smooth_samples


def saving(plain: Mapping[int, float], smooth: Mapping[int, float], reference: int = 50,
           tolerance: float = 0.0) -> Saving:
    """The saving due to smoothing: both networks are asked to reach the same NLL.

    A rule such as "smoothing matches plain MC dropout at N = 50 with 5x fewer samples" is also
    passed by plain MC dropout itself when its NLL flattens early; the saving factor compares the
    two networks' sample counts for the same target instead.

    Args:
        plain, smooth: NLL per evaluated number of samples N, of plain MC dropout and of MC
            dropout with smoothing (same seed, same test images).
        reference: the N of plain MC dropout whose NLL is the target.
        tolerance: NLL added to the target (0: reach it exactly).

    Returns:
        A `Saving`.

    Example:

    >>> s = saving({1: .30, 2: .27, 5: .25, 10: .245, 50: .24}, {1: .26, 2: .245, 5: .238}, 50, .005)
    >>> s.plain_samples, s.smooth_samples, s.factor
    (10, 2, 5.0)
    """
    plain = {int(n): float(v) for n, v in plain.items()}
    if reference not in plain:
        raise ValueError(f"plain MC dropout has no NLL at the reference N = {reference}; it was "
                         f"evaluated at N = {sorted(plain)}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0; got {tolerance}")
    target = plain[reference] + tolerance
    return Saving(target, samples_to_reach(plain, target), samples_to_reach(smooth, target))
