"""Version 1 of the study, kept to read its results: the 5-epoch recipe, 3 seeds per pair.

Its results are `study/results/<run>/` (`study.versions`); the report is made from them until
version 2's are complete. The recipe is the one its runs recorded (`result.json`), not
`zoo/build.json`, which now holds version 2's. Nothing here trains: `python -m study run`
runs version 2.
"""

from __future__ import annotations

from study.ablations import Ablation, Comparison
from study.plan import Plan, Settings, study_plan

#: The recipe every version-1 run recorded: 1 warm-up + 4 epochs, x0.2 at 2 and 3.
V1_RECIPE = {"dataset": "fashion_mnist", "model_args": {"width": 16}, "epochs": 4,
             "milestones": [2, 3]}
V1_SETTINGS = Settings(corruption_images=1000, hessian_batches=10, hessian_repeats=1)
V1_MAIN_EVALUATIONS = ("clean", "corruptions", "consistency", "variance", "fourier")


def _against_full(text: str, paper: str, better: str | None = "lower") -> tuple:
    return (Comparison(text, "self", "full", better, paper),)


V1_ABLATIONS: tuple[Ablation, ...] = (
    Ablation("blur_only", "Blur alone (no Prob)",
             {"smoothing": {"prob": None, "temperature": None}},
             _against_full("Prob + Blur beats Blur alone", "blur_only")),
    Ablation("t1", "tanh temperature 1", {"smoothing": {"temperature": 1.0}},
             _against_full("tanh t = 10 beats t = 1", "t1")),
    Ablation("t100", "tanh temperature 100", {"smoothing": {"temperature": 100.0}},
             _against_full("tanh t = 10 beats t = 100", "t100")),
    Ablation("k121", "kernel (1, 2, 1), \"same\" padding", {"smoothing": {"kernel": [1, 2, 1]}},
             _against_full("the 2x2 box beats (1, 2, 1)", "kernel")),
    Ablation("k14641", "kernel (1, 4, 6, 4, 1), \"same\" padding",
             {"smoothing": {"kernel": [1, 4, 6, 4, 1]}},
             _against_full("the 2x2 box beats (1, 4, 6, 4, 1)", "kernel")),
    Ablation("pad_same", "2x2 box, size-preserving \"same\" padding",
             {"smoothing": {"padding": "same"}},
             _against_full("size-growing \"full\" vs size-preserving \"same\" padding",
                           "pad_same", None)),
) + tuple(
    Ablation(f"stage{stage}", f"smoothing after stage {stage} only", {"smoothing_stages": [stage]},
             (Comparison(f"smoothing after stage {stage} alone helps", "none", "self", "lower",
                         "stage"),))
    for stage in range(1, 5))


def v1_plan() -> Plan:
    """The plan of version 1's results (for the report; nothing of it is trained again)."""
    return study_plan(seeds=(0, 1, 2), ablations=V1_ABLATIONS, recipe=V1_RECIPE,
                      settings=V1_SETTINGS, main_evaluations=V1_MAIN_EVALUATIONS,
                      stochastic_evaluations=("hessian",), bn_seeds=0, version=1)
