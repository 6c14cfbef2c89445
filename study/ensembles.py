"""Deep ensembles of the seeds, computed from the stored N = 1 test probabilities alone."""

from __future__ import annotations

import itertools
import os

import numpy as np

from blur_keras.integrity import sha256
from study.evaluations import PROBABILITIES_FILE
from study.plan import Plan, run_name

ENSEMBLES_FILE = "ensembles.json"


def ensemble_inputs(plan: Plan, results_dir: str) -> dict[str, str]:
    """`{run name: SHA-256 of its probabilities.npz}` of the ensemble members stored so far."""
    inputs = {}
    for model in plan.ensemble_models:
        for seed in plan.seeds_of(model):
            name = run_name(model, seed)
            path = os.path.join(results_dir, name, PROBABILITIES_FILE)
            if os.path.isfile(path):
                inputs[name] = sha256(path)
    return inputs


def _read(path: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as stored:
        return stored["probabilities"].astype(np.float64), stored["labels"].astype(np.int64)


def compute_ensembles(plan: Plan, results_dir: str) -> dict | None:
    """Metrics of every deep ensemble of M = 1 .. (seeds stored) members, per model.

    Members are the N = 1 test probabilities (float16) of a model's seeds;
    an ensemble averages them (rows renormalised after the float16 rounding)
    and is scored with `blur_keras.metrics.summary`. Every combination of M
    seeds is one ensemble, so the same seed sets of two models pair up.

    Returns:
        `{"config", "result": {model: {M: [{"seeds", "metrics"}]}}}`, or None
        when no member is stored yet.
    """
    from blur_keras import metrics
    inputs = ensemble_inputs(plan, results_dir)
    if not inputs:
        return None
    result, labels = {}, None
    for model in plan.ensemble_models:
        members = {}
        for seed in plan.seeds_of(model):
            name = run_name(model, seed)
            if name in inputs:
                probs, member_labels = _read(os.path.join(results_dir, name, PROBABILITIES_FILE))
                if labels is None:
                    labels = member_labels
                if not np.array_equal(labels, member_labels):
                    raise ValueError(f"{name}/{PROBABILITIES_FILE} holds other labels than the "
                                     f"other members: not the same test images.")
                members[seed] = probs
        by_size = {}
        for size in range(1, len(members) + 1):
            by_size[str(size)] = []
            for seeds in itertools.combinations(sorted(members), size):
                mean = np.mean([members[seed] for seed in seeds], axis=0)
                mean /= mean.sum(axis=1, keepdims=True)
                by_size[str(size)].append({"seeds": list(seeds),
                                           "metrics": metrics.summary(mean, labels)})
        if by_size:
            result[model] = by_size
    return {"config": {"members": f"the N = 1 test probabilities ({PROBABILITIES_FILE}, "
                                  f"float16) of each seed",
                       "ensembles": "every combination of M seeds; the mean of their "
                                    "probabilities, rows renormalised",
                       "test_images": int(len(labels)),
                       "ece": "10 equal-width bins (binning 'consistent')",
                       "inputs": inputs},
            "result": result}
