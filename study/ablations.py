"""The ablations of the smoothing layer (claim 5): what each run changes, and what it is compared
with.

Each ablation is one seed of `ABLATED_MODEL` with one change to its smoothing layer. A
comparison names its two runs by role: `"none"` (seed 0 of plain MC dropout), `"full"` (seed 0
of MC dropout + smoothing: Prob tanh t = 10, the 2x2 box with "full" padding, all four stages)
and `"self"` (the ablation). A kernel is compared with the reference at the *same* padding:
the box's "full" padding grows the map by one pixel per layer, "same" keeps it, and a
comparison across paddings would mix the two changes. Nothing here imports Keras.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

ABLATED_MODEL = "resnet_mcdo_smoothing_18"
ROLES = ("none", "full", "self")


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One comparison of claim 5: the NLL of run `with_` against run `without`.

    Attributes:
        text: the claim in words, e.g. `"Prob + Blur beats Blur alone"`.
        without, with_: the two runs by role (`ROLES`).
        better: the paper's direction of (with minus without), `"lower"` or `"higher"`;
            None: the paper makes no claim (a measurement).
        paper: the key of the paper's number (`study.claims_layer.QUOTES`).
    """

    text: str
    without: str
    with_: str
    better: str | None
    paper: str

    def __post_init__(self):
        if {self.without, self.with_} - set(ROLES) or self.without == self.with_:
            raise ValueError(f"a comparison needs two different roles of {ROLES}; got "
                             f"{self.without!r} and {self.with_!r}")
        if self.better not in ("lower", "higher", None):
            raise ValueError(f"better must be 'lower', 'higher' or None; got {self.better!r}")


@dataclasses.dataclass(frozen=True)
class Ablation:
    """One ablation run: `{ABLATED_MODEL}.{suffix}`, seed 0.

    Attributes:
        suffix: the run name's suffix.
        description: what changes, in words.
        model_args: builder arguments added to the zoo recipe's (e.g. `{"smoothing": {...}}`).
        comparisons: what the report compares it with.
    """

    suffix: str
    description: str
    model_args: Mapping[str, Any]
    comparisons: tuple[Comparison, ...]


#: Version 2: the runs the paper's argument rests on (Blur alone, Prob alone, ReLU6 as
#: Prob) and the kernels at the reference's own "full" padding; five runs.
ABLATIONS: tuple[Ablation, ...] = (
    Ablation("blur_only", "Blur alone: no Prob (2x2 box, \"full\" padding)",
             {"smoothing": {"prob": None, "temperature": None}},
             (Comparison("Prob + Blur beats Blur alone", "self", "full", "lower", "blur_only"),
              Comparison("Blur alone is worse than no smoothing", "none", "self", "higher",
                         "blur_vs_none"))),
    Ablation("prob_only", "Prob alone: tanh t = 10, no Blur (kernel (1), the identity)",
             {"smoothing": {"kernel": [1]}},
             (Comparison("Prob + Blur beats Prob alone", "self", "full", "lower", "prob_only"),
              Comparison("Prob alone against no smoothing", "none", "self", None,
                         "prob_vs_none"))),
    Ablation("relu6", "Prob as ReLU6, clip(x, 0, 6), then the 2x2 box (\"full\" padding)",
             {"smoothing": {"prob": "relu6", "temperature": None}},
             (Comparison("ReLU6 + Blur beats no smoothing (ReLU6 as a special case of Prob)",
                         "none", "self", "lower", "relu6"),
              Comparison("ReLU6 against tanh t = 10 as Prob", "full", "self", None,
                         "relu6_vs_tanh"))),
    Ablation("k121_full", "kernel (1, 2, 1), \"full\" padding (as the reference box)",
             {"smoothing": {"kernel": [1, 2, 1], "padding": "full"}},
             (Comparison("The 2x2 box beats (1, 2, 1), both \"full\" padding", "self", "full",
                         "lower", "kernel"),)),
    Ablation("k14641_full", "kernel (1, 4, 6, 4, 1), \"full\" padding (as the reference box)",
             {"smoothing": {"kernel": [1, 4, 6, 4, 1], "padding": "full"}},
             (Comparison("The 2x2 box beats (1, 4, 6, 4, 1), both \"full\" padding", "self",
                         "full", "lower", "kernel"),)),
)
