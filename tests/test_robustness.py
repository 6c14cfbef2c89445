import math

import numpy as np
import pytest
import keras

from blur_keras import robustness


def row(acc, nll, ece):
    return {"accuracy": acc, "nll": nll, "ece": ece}


def test_relative_scores_by_hand():
    table = {
        "gaussian_noise": {1: row(0.9, 0.5, 0.02), 2: row(0.8, 1.0, 0.04)},
        "fog": {1: row(0.7, 1.5, 0.10)},
        "speckle_noise": {1: row(0.5, 2.0, 0.2)},   # an extra: not in the baseline
    }
    baseline = {"gaussian_noise": (60.0, 3.0, 12.0), "fog": (30.0, 3.0, 20.0)}
    result = robustness.relative_corruption_scores(table, baseline)
    # gaussian_noise: err 10 + 20 = 30 -> 50%; nll 1.5 / 3 -> 50%; ece 2 + 4 = 6 / 12 -> 50%.
    # fog: err 30 / 30 -> 100%; nll 1.5 / 3 -> 50%; ece 10 / 20 -> 50%.
    assert result["per_corruption"]["gaussian_noise"] == pytest.approx(
        {"ce": 50.0, "cnll": 50.0, "cece": 50.0})
    assert result["mce"] == pytest.approx(75.0)
    assert result["mcnll"] == pytest.approx(50.0) and result["mcece"] == pytest.approx(50.0)
    assert result["skipped"] == ["speckle_noise"]


def test_default_baseline_is_alexnet_cifar100_c():
    assert len(robustness.ALEXNET_CIFAR100_C) == 15
    alexnet_itself = {c: {s: row(1 - err / 500, nll / 5, ece / 500) for s in range(1, 6)}
                      for c, (err, nll, ece) in robustness.ALEXNET_CIFAR100_C.items()}
    result = robustness.relative_corruption_scores(alexnet_itself)
    assert result["mce"] == pytest.approx(100.0)
    assert result["mcnll"] == pytest.approx(100.0) and result["mcece"] == pytest.approx(100.0)


def test_bad_tables():
    with pytest.raises(ValueError, match="No corruption"):
        robustness.relative_corruption_scores({"blur": {1: row(1, 0, 0)}})
    with pytest.raises(ValueError, match="lacks metrics"):
        robustness.relative_corruption_scores({"fog": {1: {"accuracy": 0.5}}})


def test_consistency_on_crafted_predictions():
    a, b = [0.9, 0.1], [0.2, 0.8]
    probs = np.array([[a, a, b, b],      # one flip in 3 transitions
                      [a, a, a, a]])     # none
    result = robustness.consistency_metrics(probs)
    assert result["cons"] == pytest.approx(5 / 6)
    assert result["flip_rate"] == pytest.approx(1 / 6)
    cec_aa = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    cec_ab = -(0.9 * math.log(0.2) + 0.1 * math.log(0.8))
    cec_bb = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8))
    assert result["cec"] == pytest.approx((cec_aa + cec_ab + cec_bb + 3 * cec_aa) / 6)
    first = robustness.consistency_metrics(probs, flip_reference="first")
    assert first["flip_rate"] == pytest.approx(2 / 6)   # frames 3 and 4 differ from frame 1
    with pytest.raises(ValueError, match="frames >= 2"):
        robustness.consistency_metrics(np.ones((2, 1, 3)) / 3)


def test_evaluate_consistency_of_a_model():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    frames = np.repeat(np.random.default_rng(0).normal(size=(2, 1, 4, 4, 1)), 5, axis=1)
    result = robustness.evaluate_consistency(model, frames.astype("float32"))
    assert result["cons"] == 1.0 and result["flip_rate"] == 0.0
    with pytest.raises(ValueError, match="sequences must have shape"):
        robustness.evaluate_consistency(model, frames[0])
