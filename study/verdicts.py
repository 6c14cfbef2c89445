"""Paired comparisons over seeds and the verdicts of the reproduction report.

A claim of the paper says that smoothing moves a metric one way. Each seed gives one paired
comparison (the same seed with and without smoothing), and the verdict comes from the 95%
Student t interval of the mean paired difference (`study.intervals`):

- **holds**: the interval excludes zero in the paper's direction;
- **does not hold**: it excludes zero the other way;
- **inconclusive (k/n seeds the paper's way)**: anything else (one seed has no interval);
- **not run yet (missing: ...)**: no comparison at all yet.

A one-seed ablation is an **observation**, never a verdict; a comparison that holds by
construction is a **sanity check** (it passes or fails, and catches a broken layer).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Sequence

import numpy as np

from study.intervals import DOES_NOT_HOLD, HOLDS, INCONCLUSIVE, Interval, interval_verdict, \
    seed_interval

OBSERVATION = "observation"
PASSES, FAILS = "passes", "fails"


@dataclasses.dataclass
class Paired:
    """Values of one metric with and without smoothing, one pair per seed (or repeat).

    Attributes:
        keys: the seeds (or repeats, combinations) compared.
        plain, smooth: the metric without and with smoothing, per key.
        missing: what is not there yet (run/evaluation names).
        unit: what a key is, for the text ("seed", "round", "combination").
    """

    keys: list = dataclasses.field(default_factory=list)
    plain: list = dataclasses.field(default_factory=list)
    smooth: list = dataclasses.field(default_factory=list)
    missing: list = dataclasses.field(default_factory=list)
    unit: str = "seed"

    def add(self, key, plain: float | None, smooth: float | None, missing: Sequence[str] = ()):
        if plain is None or smooth is None:
            self.missing.extend(missing)
        else:
            self.keys.append(key)
            self.plain.append(float(plain))
            self.smooth.append(float(smooth))

    @property
    def deltas(self) -> list[float]:
        return [s - p for p, s in zip(self.plain, self.smooth)]

    def agreeing(self, better: str) -> int:
        """Comparisons in which smoothing moved the metric the `better` way ("lower"/"higher")."""
        sign = -1 if better == "lower" else 1
        return sum(1 for d in self.deltas if sign * d > 0)

    def interval(self) -> Interval:
        """The 95% t interval of the mean paired difference (smoothed minus plain)."""
        return seed_interval(self.deltas)


def plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def missing_text(missing: Sequence[str]) -> str:
    unique = list(dict.fromkeys(missing))
    shown = ", ".join(unique[:4]) + (f" and {len(unique) - 4} more" if len(unique) > 4 else "")
    return f"missing: {shown}"


def not_run(missing: Sequence[str]) -> str:
    """`not run yet (missing: ...)`."""
    return f"not run yet ({missing_text(missing)})" if missing else "not run yet"


def paired_verdict(paired: Paired, better: str) -> str:
    """The interval verdict of a `Paired` whose smoothed value should be `better`.

    Example:

    >>> paired = Paired([0, 1, 2], [0.30, 0.31, 0.32], [0.28, 0.29, 0.30])
    >>> paired_verdict(paired, "lower"), paired_verdict(paired, "higher")
    ('holds', 'does not hold')
    """
    if not paired.keys:
        return not_run(paired.missing)
    return interval_verdict(paired.interval(), better, paired.deltas)


def observation(paired: Paired, better: str) -> str:
    """A one-seed comparison: `observation (the paper's way)`, `(against the paper)` or `(tie)`."""
    if not paired.keys:
        return not_run(paired.missing)
    sign = (-1 if better == "lower" else 1) * paired.deltas[0]
    way = "the paper's way" if sign > 0 else "against the paper" if sign < 0 else "tie"
    return f"{OBSERVATION} ({way})"


def sanity_outcome(passed: Sequence[bool], missing: Sequence[str] = (), unit: str = "seed") -> str:
    """`passes` when the check held in every seed, `fails (k/n seeds)` otherwise."""
    if not passed:
        return not_run(missing)
    failed = sum(1 for ok in passed if not ok)
    return PASSES if not failed else f"{FAILS} ({failed}/{len(passed)} {unit}s)"


def combined_verdict(verdicts: Sequence[str], what: str = "N") -> str:
    """One verdict for a claim made at several points (e.g. "at every N").

    Holds when it holds at every point, does not hold when it does not hold at one, else
    inconclusive with the count of points at which it holds.
    """
    if any(v.startswith("not run yet") for v in verdicts) or not verdicts:
        return next((v for v in verdicts if v.startswith("not run yet")), "not run yet")
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    if DOES_NOT_HOLD in verdicts:
        return DOES_NOT_HOLD
    held = sum(1 for v in verdicts if v == HOLDS)
    return f"{INCONCLUSIVE} (holds at {held}/{len(verdicts)} {what})"


_DIRECTION_COUNT = re.compile(r"\((\d+)/(\d+) seeds the paper's way\)")


def against_the_paper(verdict: str) -> bool:
    """Whether a verdict goes against the paper: it does not hold, an inconclusive one leans
    the other way (fewer than half the seeds the paper's way), or an observation is against it."""
    if verdict == DOES_NOT_HOLD or verdict == f"{OBSERVATION} (against the paper)":
        return True
    count = _DIRECTION_COUNT.search(verdict)
    return bool(count) and 2 * int(count.group(1)) < int(count.group(2))


def direction_count(paired: Paired, better: str, what: str) -> str:
    """E.g. `lower in 3/3 seeds`."""
    if not paired.keys:
        return "-"
    text = f"{what} in {paired.agreeing(better)}/{len(paired.keys)} {paired.unit}s"
    if paired.missing:
        text += f" ({missing_text(paired.missing)})"
    return text


def change(paired: Paired, digits: int = 4, scale: float = 1.0) -> str:
    """The mean paired difference with its 95% interval, e.g. `-0.0041 [-0.0080, -0.0002]`."""
    return paired.interval().text(digits, scale) if paired.keys else "-"


def compared(paired: Paired, digits: int = 4, scale: float = 1.0, prefix: str = "") -> str:
    """`plain → smooth; Δ mean [95% interval]` (means over seeds, times `scale`)."""
    if not paired.keys:
        return "-"
    text = (f"{prefix}{np.mean(paired.plain) * scale:.{digits}f} → "
            f"{np.mean(paired.smooth) * scale:.{digits}f}; Δ {change(paired, digits, scale)}")
    return text + (f" ({missing_text(paired.missing)})" if paired.missing else "")


def mean_std(values: Sequence[float], digits: int = 4, scale: float = 1.0,
             unit: str = "seed") -> str:
    """`mean ± std` (sample std, ddof 1) of `values` times `scale`; one value: `v (1 seed)`."""
    values = [v * scale for v in values]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 {unit})"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def mean_interval(values: Sequence[float], digits: int = 4, scale: float = 1.0) -> str:
    """`mean [95% t interval]` of `values` (seeds) times `scale`; one value: `v (1 seed)`.

    Example:

    >>> mean_interval([0.10, 0.12, 0.11], 3)
    '0.110 [0.085, 0.135]'
    """
    if not values:
        return "-"
    interval = seed_interval(list(values))
    if not interval.defined:
        return f"{interval.mean * scale:.{digits}f} (1 seed)"
    return (f"{interval.mean * scale:.{digits}f} [{interval.low * scale:.{digits}f}, "
            f"{interval.high * scale:.{digits}f}]")


def signed(value: float, digits: int = 4, scale: float = 1.0) -> str:
    return f"{value * scale:+.{digits}f}"
