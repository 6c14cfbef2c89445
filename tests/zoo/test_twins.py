"""Twin comparisons (blur_keras/publishing/twins.py): the verdict comes from a paired interval over
the test images, so a near-tie is inconclusive and every verdict can come out."""

import json

import numpy as np
import pytest

from blur_keras.publishing.image_outcomes import outcomes, read_outcomes, write_outcomes
from blur_keras.publishing.twins import TWIN_SIZE, comparison

MCDO, DNN = "resnet_mcdo_18.t", "resnet_dnn_18.t"
SPLIT = "test split (all 4,000 images)"


def card(nll: float, stochastic: bool) -> dict:
    size = TWIN_SIZE if stochastic else 1
    return {"splits": {"test": SPLIT}, "version": 2,
            "evaluation": {"stochastic": stochastic, "test": {str(size): {"nll": nll}}}}


def record(nll: np.ndarray, n: int, labels: np.ndarray | None = None) -> dict:
    labels = np.arange(nll.size) % 10 if labels is None else labels
    return {"split": SPLIT, "n": n, "labels": labels, "nll": nll}


def compare(mcdo_nll: np.ndarray, dnn_nll: np.ndarray, **changes) -> dict:
    mcdo = record(mcdo_nll, changes.pop("n", TWIN_SIZE), changes.pop("labels", None))
    return comparison(MCDO, card(float(mcdo_nll.mean()), True), DNN,
                      card(float(dnn_nll.mean()), False), changes.get("outcomes", mcdo),
                      record(dnn_nll, 1))


@pytest.fixture
def dnn_nll():
    return np.random.default_rng(0).exponential(0.17, size=4000)


def test_a_real_difference_is_lower_or_higher_with_its_interval(dnn_nll):
    noise = np.random.default_rng(1).normal(0, 0.05, size=dnn_nll.size)
    lower = compare(dnn_nll - 0.01 + noise, dnn_nll)
    assert lower["verdict"] == "lower" and lower["interval"][1] < 0
    assert lower["interval"][0] < lower["difference"] < lower["interval"][1]
    assert lower["images"] == 4000
    assert "is lower (better) than its deterministic twin's" in lower["sentence"]
    assert "MC dropout pays for its samples here" in lower["sentence"]
    assert "95% interval [" in lower["sentence"] and "4,000 test images" in lower["sentence"]
    higher = compare(dnn_nll + 0.01 + noise, dnn_nll)
    assert higher["verdict"] == "higher" and higher["interval"][0] > 0
    assert "does not pay for its samples" in higher["sentence"]


def test_a_near_tie_is_inconclusive_not_a_win(dnn_nll):
    # The rule it replaces compared rounded means and called a 0.0001-nat lead "lower (better)".
    noise = np.random.default_rng(2).normal(0, 0.05, size=dnn_nll.size)
    tie = compare(dnn_nll - 0.0001 + noise - noise.mean(), dnn_nll)
    assert tie["difference"] < 0
    assert tie["verdict"] == "inconclusive"
    low, high = tie["interval"]
    assert low < 0 < high
    assert "cannot tell whether MC dropout pays" in tie["sentence"]
    assert "lower (better)" not in tie["sentence"]


def test_without_outcomes_or_at_another_n_there_is_no_interval(dnn_nll):
    missing = compare(dnn_nll, dnn_nll, outcomes=None)
    assert missing["verdict"] == "no interval" and "interval" not in missing
    assert f"`{MCDO}` records no per-image test outcomes" in missing["sentence"]
    assert "reevaluate" in missing["sentence"]
    other_n = compare(dnn_nll, dnn_nll, n=1)
    assert other_n["verdict"] == "no interval"


def test_outcomes_over_other_images_are_not_compared(dnn_nll):
    shuffled = np.random.default_rng(3).permutation(np.arange(dnn_nll.size) % 10)
    result = compare(dnn_nll, dnn_nll, labels=shuffled)
    assert result["verdict"] == "not comparable" and "same images" in result["sentence"]


def test_an_ensemble_meets_one_of_its_networks(dnn_nll):
    ensemble = {**card(float(dnn_nll.mean()) - 0.02, False),
                "ensemble": {"size": 3, "of": DNN}}
    result = comparison("resnet_dnn_18.t_ens3", ensemble, DNN, card(float(dnn_nll.mean()), False),
                        record(dnn_nll - 0.02, 1), record(dnn_nll, 1))
    assert result["verdict"] == "lower"
    assert result["sentence"].startswith(f"On the {SPLIT}, the 3-network ensemble's NLL")
    assert "the ensemble pays for its networks here" in result["sentence"]


def test_outcomes_round_trip_and_their_mean_is_the_nll(tmp_path):
    rng = np.random.default_rng(4)
    probs = rng.dirichlet(np.ones(10), size=300).astype(np.float32)
    labels = rng.integers(0, 10, size=300)
    records = write_outcomes(str(tmp_path), outcomes(probs, labels, 10, SPLIT))
    assert list(records) == ["test_outcomes.json"]
    back = read_outcomes(str(tmp_path))
    assert back["n"] == 10 and back["split"] == SPLIT
    np.testing.assert_array_equal(back["labels"], labels)
    expected = -np.log(probs[np.arange(300), labels].astype(np.float64))
    np.testing.assert_allclose(back["nll"], expected, atol=1e-6)
    assert read_outcomes(str(tmp_path / "nowhere")) is None


def test_a_broken_outcomes_file_is_refused(tmp_path):
    from blur_keras.zoo.files import PresetError
    (tmp_path / "test_outcomes.json").write_text(json.dumps({"n": 1, "labels": [1, 2],
                                                             "nll": [0.1]}))
    with pytest.raises(PresetError, match="2 labels for 1 NLLs"):
        read_outcomes(str(tmp_path))
    (tmp_path / "test_outcomes.json").write_text(json.dumps({"n": 1}))
    with pytest.raises(PresetError, match="not a test-outcomes record"):
        read_outcomes(str(tmp_path))
