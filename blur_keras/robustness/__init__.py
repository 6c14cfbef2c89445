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

from blur_keras.robustness.baselines import (BASELINES, Baseline, check_comparable, get_baseline,
                                             matching_baseline, read_baseline, write_baseline)
from blur_keras.robustness.consistency import evaluate_consistency, normalize_images
from blur_keras.robustness.corruption_evaluation import (evaluate_corruptions,
                                                         read_corruption_table,
                                                         write_corruption_outputs)
from blur_keras.robustness.scores import (consistency_metrics, relative_corruption_scores,
                                          severity_sums)

__all__ = ["BASELINES", "Baseline", "check_comparable", "consistency_metrics",
           "evaluate_consistency", "evaluate_corruptions", "get_baseline", "matching_baseline",
           "normalize_images", "read_baseline", "read_corruption_table",
           "relative_corruption_scores", "severity_sums", "write_baseline",
           "write_corruption_outputs"]
