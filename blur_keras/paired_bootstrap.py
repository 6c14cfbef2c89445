"""The paired bootstrap: is a per-image difference between two models on one test set real?

Two models scored on the same images (e.g. the NLL of the true class) differ by a mean that a
test set of a few thousand images measures with an error of its own. The paired bootstrap
resamples the images (both models' scores together) and reads the interval of the mean
difference from the resampled means, so that a near-tie shows as an interval around zero.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Interval:
    """A mean difference and its two-sided interval.

    Attributes:
        mean: the mean paired difference (candidate minus baseline).
        low, high: the interval's ends (`nan` when it cannot be computed, e.g. one pair).
        count: the number of pairs (seeds, or test images for a bootstrap).
        confidence: the interval's coverage, e.g. 0.95.
    """

    mean: float
    low: float
    high: float
    count: int
    confidence: float = 0.95

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.low) and np.isfinite(self.high))

    @property
    def direction(self) -> str:
        """`"lower"` or `"higher"` when the interval excludes zero on that side of it, else
        `"inconclusive"` (it holds zero, or is undefined)."""
        if self.defined and self.high < 0:
            return "lower"
        if self.defined and self.low > 0:
            return "higher"
        return "inconclusive"

    def text(self, digits: int = 4, scale: float = 1.0) -> str:
        """E.g. `-0.0123 [-0.0201, -0.0045]`; `+0.0012 (1 pair, no interval)` when undefined."""
        mean = f"{self.mean * scale:+.{digits}f}"
        if not self.defined:
            return f"{mean} ({self.count} pair{'' if self.count == 1 else 's'}, no interval)"
        return f"{mean} [{self.low * scale:+.{digits}f}, {self.high * scale:+.{digits}f}]"


def check_confidence(confidence: float) -> None:
    """Refuses a coverage outside (0, 1)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence}")


def bootstrap_interval(baseline: np.ndarray, candidate: np.ndarray, confidence: float = 0.95,
                       rounds: int = 2000, seed: int = 0) -> Interval:
    """The paired bootstrap interval of a mean per-image difference on one test set.

    Args:
        baseline, candidate: a per-image score of the two models on the same images in the same
            order (e.g. the NLL of the true class, or 1.0/0.0 for a correct/wrong answer).
        confidence: the interval's two-sided coverage (percentile interval).
        rounds: bootstrap resamples of the images.
        seed: the resampling's seed (the interval is reproducible).

    Returns:
        An `Interval` of `candidate - baseline` over `len(baseline)` images.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> baseline = rng.exponential(0.2, 10_000)
    >>> bootstrap_interval(baseline, baseline - 0.01 + rng.normal(0, 0.05, 10_000)).high < 0
    True
    """
    baseline = np.asarray(baseline, np.float64)
    candidate = np.asarray(candidate, np.float64)
    if baseline.shape != candidate.shape or baseline.ndim != 1 or baseline.size < 2:
        raise ValueError(f"baseline and candidate must be 1-D arrays of the same length >= 2 "
                         f"(one score per image); got shapes {baseline.shape} and "
                         f"{candidate.shape}")
    check_confidence(confidence)
    if rounds < 100:
        raise ValueError(f"rounds must be >= 100 for a percentile interval; got {rounds}")
    differences = candidate - baseline
    rng = np.random.default_rng(seed)
    means = np.empty(rounds)
    for start in range(0, rounds, 100):  # 100 resamples at a time bounds the memory
        count = min(100, rounds - start)
        indices = rng.integers(0, differences.size, size=(count, differences.size))
        means[start:start + count] = differences[indices].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(float(differences.mean()), float(low), float(high), int(differences.size),
                    confidence)
