"""Paired comparisons over seeds and the verdict rule of the reproduction report.

A claim of the paper says that smoothing moves a metric one way. Each seed gives one paired
comparison (the same seed with and without smoothing). The verdict:

- **holds**: the paper's direction in every available comparison, with at least
  `MIN_SEEDS` (3) of them;
- **does not hold**: the opposite direction in every comparison, with at least 3;
- **inconclusive (k seeds)**: anything else (fewer than 3, or mixed, or ties);
- **not run yet (missing: ...)**: no comparison at all yet.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

MIN_SEEDS = 3
HOLDS, DOES_NOT_HOLD = "holds", "does not hold"


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

    def opposing(self, better: str) -> int:
        sign = -1 if better == "lower" else 1
        return sum(1 for d in self.deltas if sign * d < 0)


@dataclasses.dataclass
class Tally:
    """Per-seed outcomes of a claim that is not one metric's paired difference.

    Each seed either agrees with the paper, opposes it, or neither (e.g. a
    partial effect); `verdict` applies the same rule as `paired_verdict`.
    """

    agreeing: int = 0
    opposing: int = 0
    count: int = 0
    missing: list = dataclasses.field(default_factory=list)

    def add(self, agrees: bool, opposes: bool):
        self.count += 1
        self.agreeing += bool(agrees)
        self.opposing += bool(opposes) and not agrees

    def verdict(self, unit: str = "seed") -> str:
        return verdict(self.agreeing, self.opposing, self.count, self.missing, unit)


def plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def missing_text(missing: Sequence[str]) -> str:
    unique = list(dict.fromkeys(missing))
    shown = ", ".join(unique[:4]) + (f" and {len(unique) - 4} more" if len(unique) > 4 else "")
    return f"missing: {shown}"


def verdict(agreeing: int, opposing: int, count: int, missing: Sequence[str] = (),
            unit: str = "seed", minimum: int = MIN_SEEDS) -> str:
    """The verdict of `count` comparisons, `agreeing` with the paper and `opposing` it.

    Example:

    >>> verdict(3, 0, 3), verdict(2, 1, 3), verdict(1, 0, 1), verdict(0, 3, 3)
    ('holds', 'inconclusive (3 seeds)', 'inconclusive (1 seed)', 'does not hold')
    """
    if count == 0:
        return f"not run yet ({missing_text(missing)})" if missing else "not run yet"
    if count >= minimum and agreeing == count:
        return HOLDS
    if count >= minimum and opposing == count:
        return DOES_NOT_HOLD
    return f"inconclusive ({plural(count, unit)})"


def paired_verdict(paired: Paired, better: str, minimum: int = MIN_SEEDS) -> str:
    """`verdict` of a `Paired` whose smoothed value should be `better` ("lower"/"higher")."""
    return verdict(paired.agreeing(better), paired.opposing(better), len(paired.keys),
                   paired.missing, paired.unit, minimum)


def direction_count(paired: Paired, better: str, what: str) -> str:
    """E.g. `lower in 3/3 seeds`."""
    if not paired.keys:
        return "-"
    text = f"{what} in {paired.agreeing(better)}/{len(paired.keys)} {paired.unit}s"
    if paired.missing:
        text += f" ({missing_text(paired.missing)})"
    return text


def compared(paired: Paired, better: str, digits: int = 4, scale: float = 1.0,
             prefix: str = "") -> str:
    """`plain → smooth; lower in k/n seeds` (means ± std times `scale`) for a verdict table."""
    if not paired.keys:
        return "-"
    return (f"{prefix}{mean_std(paired.plain, digits, scale)} → "
            f"{mean_std(paired.smooth, digits, scale)}; {direction_count(paired, better, better)}")


def mean_std(values: Sequence[float], digits: int = 4, scale: float = 1.0,
             unit: str = "seed") -> str:
    """`mean ± std` (sample std, ddof 1) of `values` times `scale`; one value: `v (1 seed)`."""
    values = [v * scale for v in values]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 {unit})"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def signed(value: float, digits: int = 4, scale: float = 1.0) -> str:
    return f"{value * scale:+.{digits}f}"
