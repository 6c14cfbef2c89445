"""Version 2's plan: seeds per pair, seed 0 as the zoo preset's run, evaluations, ablations."""

import pytest

from study.ablations import ABLATED_MODEL, ABLATIONS, ROLES, Comparison
from study.plan import SEED_COUNTS, study_plan
from tests.study.conftest import v2_entry


@pytest.fixture
def plan(zoo_dir):
    return study_plan(zoo_dir=zoo_dir)


def test_three_seeds_per_variant(plan):
    assert SEED_COUNTS == {"dnn": 3, "mcdo": 3}
    assert plan.pair_seeds == {"dnn": (0, 1, 2), "mcdo": (0, 1, 2)}
    assert plan.seeds_of("resnet_dnn_smoothing_18") == (0, 1, 2)
    assert plan.seeds_of("resnet_mcdo_18") == (0, 1, 2)
    main = [run.name for run in plan.runs if run.group == "main"]
    assert len(main) == 3 + 3 + 3 + 3


def test_every_run_takes_the_zoo_recipe_and_seed_0_is_the_preset_run(plan):
    for run in plan.runs:
        if run.group == "main":
            expected = v2_entry(run.model)
            assert run.options["model_args"] == expected["model_args"]
            assert (run.options["schedule"], run.options["epochs"]) == ("cosine", 15)
            assert run.preset == (f"{run.model}.fmnist_w16" if run.seed == 0 else None)
            assert run.directory == (run.preset or run.name)
    # AlexNet: the MC dropout preset's schedule, the reference AlexNet's own architecture.
    alexnet = plan.get("alexnet_dnn.s0")
    assert alexnet.options["model_args"] == {} and alexnet.options["epochs"] == 15


def test_which_runs_get_which_evaluations(plan, zoo_dir):
    evaluations = {run.name: run.evaluations for run in plan.runs}
    base = ("clean", "corruptions", "consistency", "variance", "fourier", "predictive")
    assert evaluations["resnet_dnn_18.s2"] == base + ("bn_adaptation",)
    assert evaluations["resnet_mcdo_18.s0"] == base + ("hessian", "landscape", "bn_adaptation")
    assert evaluations["resnet_mcdo_smoothing_18.s2"] == base + ("hessian", "landscape",
                                                                 "bn_adaptation")
    five = study_plan(zoo_dir=zoo_dir, seeds={"dnn": (0, 1, 2), "mcdo": range(5)})
    assert five.get("resnet_mcdo_smoothing_18.s4").evaluations == base + ("hessian", "landscape")
    assert evaluations["alexnet_dnn.s0"] == ("clean", "corruptions", "bn_adaptation")
    assert evaluations["resnet_mcdo_smoothing_18.relu6"] == ("clean",)


def test_at_most_six_ablations_each_one_change_kernels_at_the_references_padding(plan):
    from blur_keras.models.options import reference_padding
    from blur_keras.training import TrainConfig
    ablations = plan.ablations()
    assert 1 <= len(ablations) <= 6
    assert {a.suffix for a in ABLATIONS} >= {"blur_only", "prob_only", "relu6"}
    reference = plan.get(f"{ABLATED_MODEL}.s0").options["model_args"]
    for spec, run in zip(ABLATIONS, ablations):
        assert run.name == f"{ABLATED_MODEL}.{spec.suffix}" and run.seed == 0
        assert run.options["model_args"] == {**reference, **spec.model_args}
        TrainConfig(model_dir="x", **run.train_options()).resolved()     # a valid builder call
        smoothing = spec.model_args.get("smoothing", {})
        if len(smoothing.get("kernel", (1, 1))) > 1:     # a blur: the reference's padding
            assert smoothing.get("padding", reference_padding((1, 1))) == \
                reference_padding((1, 1)) == "full"
        for comparison in spec.comparisons:
            assert {comparison.without, comparison.with_} <= set(ROLES)
            assert "self" in (comparison.without, comparison.with_)


def test_a_comparison_needs_two_roles_and_a_direction():
    with pytest.raises(ValueError, match="two different roles"):
        Comparison("x", "self", "self", "lower", "kernel")
    with pytest.raises(ValueError, match="better must be"):
        Comparison("x", "self", "full", "smaller", "kernel")


def test_the_ablated_layers_are_what_their_names_say():
    from blur_keras import models
    args = {"num_classes": 10, "input_shape": (28, 28, 1), "width": 4, "mc_dropout": 0.1}
    layers = {}
    for spec in ABLATIONS + (None,):
        extra = spec.model_args if spec else {"smoothing": True}
        model = models.get(ABLATED_MODEL, **{**args, **extra})
        layers[spec.suffix if spec else "reference"] = model.get_layer("stage1_smooth")
    reference = layers["reference"]
    assert (reference.prob.kind, reference.blur.kernel, reference.blur.padding) == \
        ("tanh", (1, 1), "full")
    assert layers["blur_only"].prob is None and layers["blur_only"].blur.padding == "full"
    assert layers["prob_only"].blur.kernel == (1,) and layers["prob_only"].prob.kind == "tanh"
    assert (layers["relu6"].prob.kind, layers["relu6"].prob.temperature) == ("relu6", 6.0)
    for suffix, kernel in (("k121_full", (1, 2, 1)), ("k14641_full", (1, 4, 6, 4, 1))):
        assert (layers[suffix].blur.kernel, layers[suffix].blur.padding) == (kernel, "full")
