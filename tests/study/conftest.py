"""A tiny study: width-4 ResNets trained for 2 steps, evaluated on a few images; a zoo whose
build.json holds a version-2-like recipe."""

import json

import pytest

from study.ablations import Ablation, Comparison
from study.plan import Settings, study_plan

#: Training options of every tiny run (eval_subset and deterministic are not part of a run's
#: identity; op determinism is process-wide: left off here).
TINY_RECIPE = {"dataset": "fashion_mnist", "model_args": {"width": 4}, "epochs": 1,
               "warmup_epochs": 0, "batch_size": 32, "train_subset": 64, "eval_subset": 32,
               "deterministic": False}
TINY_SETTINGS = Settings(
    eval_batch=32, test_subset=64, main_sizes=(1, 2, 3), ablation_sizes=(1, 2),
    corruption_images=8, consistency_images=4, consistency_frames=3,
    perturbations=("translate", "gaussian_noise"), analysis_images=8, variance_samples=2,
    predictive_images=8, predictive_samples=2, hessian_batches=1, hessian_repeats=2,
    hessian_batch_size=8, hessian_iterations=2, landscape_images=8, landscape_points=3,
    bn_images=8, speed_train_batch=16,
    speed_eval_batch=16, speed_warmup=1, speed_steps=1, speed_rounds=3)


#: The recipe of the report tests' plans (their results are fake: any recipe does).
REPORT_RECIPE = {"dataset": "fashion_mnist", "model_args": {"width": 16}, "epochs": 4,
                 "milestones": [2, 3]}


def _against_full(text, paper, better="lower"):
    return (Comparison(text, "self", "full", better, paper),)


#: Ablations of every kind the report renders (those of the study's version 1): against the
#: full layer with and without a paper direction, a kernel family, and against no smoothing.
MANY_ABLATIONS = (
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


def report_plan(**overrides):
    """The default plan's runs with a fixed recipe (independent of zoo/build.json)."""
    return study_plan(**{"recipe": REPORT_RECIPE, **overrides})


def tiny_plan(**overrides):
    """The study's plan shape at tiny sizes (no baseline, no ablations unless asked)."""
    options = dict(models=("resnet_mcdo_18",), seeds=(0, 1), ablations=(), baseline=False,
                   recipe=TINY_RECIPE, settings=TINY_SETTINGS)
    options.update(overrides)
    return study_plan(**options)


#: A converged-recipe-like build.json entry (what the lead writes for version 2), per model.
def v2_entry(model):
    model_args = {"width": 16, **({"mc_dropout": 0.1} if "mcdo" in model else {})}
    return {"dataset": "fashion_mnist", "model_args": model_args, "schedule": "cosine",
            "epochs": 15, "validation": "holdout", "seed": 0, "notes": ["the test's recipe"]}


@pytest.fixture
def zoo_dir(tmp_path):
    """A zoo directory whose build.json holds a version-2-like recipe for the four presets."""
    from study.plan import MAIN_MODELS, ZOO_TAG
    directory = tmp_path / "zoo"
    directory.mkdir()
    spec = {"presets": {f"{model}.{ZOO_TAG}": v2_entry(model) for model in MAIN_MODELS}}
    (directory / "build.json").write_text(json.dumps(spec, indent=2))
    return str(directory)
