"""The study-level steps: deep ensembles from stored probabilities, the baseline, the timings."""

import dataclasses
import json

import numpy as np
import pytest

from blur_keras import metrics, robustness
from blur_keras.robustness import baselines
from study import runner, speed
from study.ablations import Ablation
from study.ensembles import compute_ensembles
from study.plan import study_plan
from tests.study.conftest import TINY_RECIPE, TINY_SETTINGS, report_plan
from tests.study.fake_results import fake_results


def test_deep_ensembles_average_the_stored_probabilities(tmp_path):
    plan = report_plan()
    fake_results(tmp_path, plan, evaluations=("clean",), baseline=False, ablations=False,
                 speed=False)
    content = compute_ensembles(plan, str(tmp_path))
    dnn = content["result"]["resnet_dnn_18"]
    assert [len(dnn[m]) for m in ("1", "2", "3")] == [3, 3, 1]
    assert dnn["2"][1]["seeds"] == [0, 2]
    members = []
    for seed in (0, 2):
        with np.load(tmp_path / f"resnet_dnn_18.s{seed}" / "probabilities.npz") as stored:
            members.append(stored["probabilities"].astype(np.float64))
            labels = stored["labels"].astype(np.int64)
    mean = np.mean(members, axis=0)
    expected = metrics.summary(mean / mean.sum(axis=1, keepdims=True), labels)
    assert dnn["2"][1]["metrics"]["nll"] == pytest.approx(expected["nll"])
    assert set(content["config"]["inputs"]) == {f"{m}.s{s}" for m in plan.ensemble_models
                                                for s in (0, 1, 2)}
    messages = []
    assert runner.write_ensembles(plan, str(tmp_path), messages.append)
    assert not runner.write_ensembles(plan, str(tmp_path), messages.append)   # inputs unchanged


def test_the_baseline_run_becomes_a_registered_baseline_of_its_own_images(tmp_path, monkeypatch):
    plan = report_plan()
    fake_results(tmp_path / "results", plan, seeds=(), ablations=False, speed=False)
    messages = []
    assert runner.write_baseline(plan, str(tmp_path / "results"), str(tmp_path), messages.append)
    assert not runner.write_baseline(plan, str(tmp_path / "results"), str(tmp_path),
                                     messages.append)            # unchanged: not rewritten
    baseline = robustness.read_baseline(str(tmp_path / "fashion_mnist_c_alexnet.json"))
    assert (baseline.name, baseline.dataset, baseline.source, baseline.seed, baseline.subset) == (
        "fashion_mnist_c_alexnet", "fashion_mnist", "generated", 0, 8)
    assert baseline.sums["fog"] == pytest.approx((225.0, 15.0, 50.0))   # errors .35 to .55
    monkeypatch.setattr(baselines, "BASELINES", {baseline.name: baseline})
    assert robustness.matching_baseline("fashion_mnist", "generated", seed=0, subset=8) is baseline
    assert robustness.matching_baseline("fashion_mnist", "generated", seed=0, subset=None) is None
    assert robustness.matching_baseline("fashion_mnist", "generated", seed=1, subset=8) is None
    robustness.check_comparable(baseline, "fashion_mnist", "generated", generated=(0, 8))
    with pytest.raises(ValueError, match=r"measured on generated fashion_mnist \(seed 0, first 8 "
                                         r"images\), this run scores generated fashion_mnist "
                                         r"\(seed 0\): other corrupted images"):
        robustness.check_comparable(baseline, "fashion_mnist", "generated", generated=(0, None))


def tiny_speed_plan():
    return study_plan(models=("resnet_mcdo_18", "resnet_mcdo_smoothing_18"), seeds=(0,),
                      ablations=(Ablation("stage2", "smoothing after stage 2 only",
                                          {"smoothing_stages": [2]}, ()),),
                      baseline=False, presets=False, recipe=TINY_RECIPE, settings=TINY_SETTINGS)


def test_throughput_is_not_timed_while_other_work_runs_nor_twice(tmp_path):
    plan = tiny_speed_plan()
    assert plan.speed_runs == ("resnet_mcdo_18.s0", "resnet_mcdo_smoothing_18.s0",
                               "resnet_mcdo_smoothing_18.stage2")
    messages = []
    assert not runner.write_speed(plan, str(tmp_path), None, messages.append, sample=lambda: 1.7)
    assert not (tmp_path / "speed.json").exists()
    assert "speed: not measured: other work is running before the timings (1.70 runnable " \
           "tasks besides this process" in messages[-1]
    (tmp_path / "speed.json").write_text(json.dumps({"result": dict.fromkeys(plan.speed_runs)}))
    assert not runner.write_speed(plan, str(tmp_path), None, messages.append,
                                  sample=lambda: 0.0)      # all there: not timed again


@pytest.mark.slow
@pytest.mark.real_data
def test_throughput_of_each_configuration_is_timed_in_rounds():
    plan = tiny_speed_plan()
    settings = dataclasses.replace(plan.settings, speed_rounds=2)
    loads = iter([0.0, 0.25])
    content = speed.measure_speed([plan.get("resnet_mcdo_smoothing_18.stage2")], plan.dataset,
                                  settings, report=lambda message: None,
                                  sample=lambda: next(loads))
    values = content["result"]["resnet_mcdo_smoothing_18.stage2"]
    assert len(values["train_rounds"]) == len(values["inference_rounds"]) == 2
    assert values["train_images_per_second"] > 0 and values["inference_images_per_second"] > 0
    assert content["config"]["train_batch"] == 16 and content["config"]["op_determinism"] is False
    assert content["config"]["precision"] == {"resnet_mcdo_smoothing_18.stage2": "float32"}
    assert [content["machine"][k]["other_runnable"] for k in ("load_before", "load_after")] == \
        [0.0, 0.25]


@pytest.mark.parametrize("content, expected", [
    ("0.50 0.40 0.30 3/120 999\n", 2.0),        # 3 runnable: the reading thread and 2 others
    ("0.50 0.40 0.30 1/120 999\n", 0.0),        # only the reading thread
])
def test_the_other_load_is_read_from_proc_loadavg(content, expected, tmp_path, monkeypatch):
    load_file = tmp_path / "loadavg"
    load_file.write_text(content)
    monkeypatch.setattr(speed, "LOAD_FILE", str(load_file))
    assert speed.other_load(samples=3, interval=0.0) == expected
    monkeypatch.setattr(speed, "LOAD_FILE", str(tmp_path / "missing"))   # not Linux
    assert speed.other_load(samples=3, interval=0.0) is None


def test_timings_are_refused_above_the_load_limit_only():
    assert speed.check_idle(0.5, "before", sample=lambda: 0.5)["other_runnable"] == 0.5
    with pytest.raises(speed.MachineBusy, match=r"after the timings \(2.00 runnable tasks besides "
                                                r"this process on average; limit 0.5;"):
        speed.check_idle(0.5, "after", sample=lambda: 2.0)
