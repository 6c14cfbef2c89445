"""A preset's per-image test outcomes: what a paired interval between two presets needs.

A card's test NLL is a mean over the test images; whether two presets differ by more than the
test split can resolve is a question about the images one by one. `test_outcomes.json` holds, for
the N at which a preset meets its twin (`blur_keras.publishing.twins.TWIN_SIZE` for a stochastic
preset, 1 for a deterministic one), each test image's label and NLL, in the order of the split.
It is recorded in the card and the index like the curves, so it verifies with the preset.
"""

from __future__ import annotations

import json
import os

import numpy as np

from blur_keras import metrics
from blur_keras.integrity import file_record
from blur_keras.zoo.files import OUTCOMES_FILE, PresetError

#: Decimals kept of each image's NLL (a rounding far below any interval the file is used for).
DECIMALS = 6


def outcomes(probs: np.ndarray, labels: np.ndarray, n: int, split: str) -> dict:
    """The outcomes of one evaluation: each image's label and NLL.

    Args:
        probs: `(images, classes)` predictive probabilities at ensemble size `n`.
        labels: `(images,)` labels, in the split's order.
        n: the ensemble size the probabilities are the mean of.
        split: what the images are (the card's `splits["test"]`).

    Returns:
        `{"split", "n", "labels", "nll"}` (lists, ready for JSON).

    Example:

    >>> outcomes(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([0, 1]), 1, "two images")["nll"]
    [0.693147, 0.105361]
    """
    nll = metrics.example_nll(probs, labels).astype(np.float64)
    return {"split": split, "n": int(n), "labels": [int(v) for v in labels],
            "nll": [round(float(v), DECIMALS) for v in nll]}


def write_outcomes(directory: str, record: dict) -> dict:
    """Writes `test_outcomes.json` into a preset directory; returns `{file name: its record}` for
    the card's `files`."""
    path = os.path.join(directory, OUTCOMES_FILE)
    with open(path, "w") as f:
        json.dump(record, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return {OUTCOMES_FILE: file_record(path)}


def read_outcomes(directory: str) -> dict | None:
    """A preset directory's outcomes, the NLLs as an array (None: it records none).

    Only call this on a verified preset (its card's records checked): the file is trusted here.

    Raises:
        PresetError: the file is not an outcomes record.
    """
    path = os.path.join(directory, OUTCOMES_FILE)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        record = json.load(f)
    try:
        labels = np.asarray(record["labels"], dtype=np.int64)
        nll = np.asarray(record["nll"], dtype=np.float64)
        n = int(record["n"])
    except (KeyError, TypeError, ValueError) as error:
        raise PresetError(f"{path} is not a test-outcomes record ({error}).") from None
    if labels.shape != nll.shape or nll.ndim != 1:
        raise PresetError(f"{path}: {labels.size} labels for {nll.size} NLLs; they must pair up.")
    return {"split": record.get("split"), "n": n, "labels": labels, "nll": nll}
