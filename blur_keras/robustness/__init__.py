"""Robustness evaluation: common corruptions and perturbation consistency.

Corruption protocol (Hendrycks & Dietterich 2019, as used by Park & Kim 2022):
`CE_c = sum_s Err(s, c) / sum_s Err_baseline(s, c)` over severities s of corruption
c, and likewise CNLL and CECE with NLL and ECE; mCE, mCNLL and mCECE are their
means over the corruptions. The AlexNet sums on CIFAR-100-C of PAPER.md ship as
the `"alexnet_cifar100"` baseline. Consistency (CIFAR-10-P style) over sequences
of gradually perturbed frames: Cons = mean [argmax f(x_t) = argmax f(x_t+1)],
CEC = -mean f(x_t) . log f(x_t+1), and the flip rate.

Command line: `python -m blur_keras.robustness --model ... --dataset ...`.
"""

from blur_keras.robustness.consistency import evaluate_consistency, normalize_images
from blur_keras.robustness.corruption_evaluation import (evaluate_corruptions,
                                                         read_corruption_table,
                                                         write_corruption_outputs)
from blur_keras.robustness.scores import (ALEXNET_CIFAR100_C, BASELINES, consistency_metrics,
                                          relative_corruption_scores, severity_sums)

__all__ = ["ALEXNET_CIFAR100_C", "BASELINES", "consistency_metrics", "evaluate_consistency",
           "evaluate_corruptions", "normalize_images", "read_corruption_table",
           "relative_corruption_scores", "severity_sums", "write_corruption_outputs"]
