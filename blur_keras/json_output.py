"""JSON files every parser reads: a NaN or an infinity is written as `null`.

Python's `json` writes bare `NaN` and `Infinity`, which are not JSON
(JavaScript's `JSON.parse`, `jq` and most other readers refuse them). A
metric that does not exist, e.g. the accuracy above a confidence cutoff that
no example reaches (`metrics.cutoff_metrics`), is therefore written as `null`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def strict(value: Any) -> Any:
    """`value` with every non-finite float (Python or NumPy) replaced by None, recursively.

    Mappings become dicts, tuples and lists become lists, NumPy scalars
    become Python numbers; anything else is returned as it is.
    """
    if isinstance(value, dict):
        return {key: strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: str, content: Any, indent: int = 2) -> None:
    """Writes `strict(content)` as JSON to `path` (a non-finite number cannot slip through)."""
    with open(path, "w") as f:
        json.dump(strict(content), f, indent=indent, allow_nan=False)
