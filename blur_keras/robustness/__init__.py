"""Robustness evaluation: common corruptions and perturbation consistency.

Corruption protocol (Hendrycks & Dietterich 2019, as used by Park & Kim 2022):
`CE_c = sum_s Err(s, c) / sum_s Err_baseline(s, c)` over severities s of corruption
c, and likewise CNLL and CECE with NLL and ECE; mCE, mCNLL and mCECE are their
means over the corruptions. The baseline's sums must come from the same data:
registered baselines (`BASELINES`, e.g. `"cifar100_c_alexnet"`, the paper's
AlexNet on the published CIFAR-100-C files) record theirs. Consistency
(CIFAR-10-P style) over sequences of gradually perturbed frames: Cons, CEC (as
the paper's code computes it) and the flip rate (see `consistency_metrics`).

Command line: `python -m blur_keras.robustness --model ... --dataset ...`.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "BASELINES": "baselines",
    "Baseline": "baselines",
    "check_comparable": "baselines",
    "consistency_metrics": "scores",
    "evaluate_consistency": "consistency",
    "evaluate_corruptions": "corruption_evaluation",
    "generated_batches": "corruption_evaluation",
    "get_baseline": "baselines",
    "matching_baseline": "baselines",
    "normalize_images": "consistency",
    "read_baseline": "baselines",
    "read_corruption_table": "corruption_evaluation",
    "register_baseline": "baselines",
    "relative_corruption_scores": "scores",
    "severity_sums": "scores",
    "write_baseline": "baselines",
    "write_corruption_outputs": "corruption_evaluation",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
