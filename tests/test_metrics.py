import math

import numpy as np
import pytest
import keras

from blur_keras import metrics

# Hand-computed fixture: 4 examples, 3 classes.
PROBS = np.array([[0.7, 0.2, 0.1],    # label 0, correct, conf .7 -> bin (.6, .7]
                  [0.1, 0.85, 0.05],  # label 2, wrong,   conf .85 -> bin (.8, .9]
                  [0.3, 0.3, 0.4],    # label 2, correct, conf .4 -> bin (.3, .4]
                  [0.05, 0.95, 0.0]]) # label 1, correct, conf .95 -> bin (.9, 1]
LABELS = np.array([0, 2, 2, 1])


def test_nll_accuracy_brier_by_hand():
    assert metrics.nll(PROBS, LABELS) == pytest.approx(
        -(math.log(.7) + math.log(.05) + math.log(.4) + math.log(.95)) / 4)
    assert metrics.accuracy(PROBS, LABELS) == 0.75
    brier = ((.3**2 + .2**2 + .1**2) + (.1**2 + .85**2 + .95**2) + (.3**2 + .3**2 + .6**2)
             + (.05**2 + .05**2 + 0)) / 4
    assert metrics.brier(PROBS, LABELS) == pytest.approx(brier)


def test_ece_by_hand():
    # Bins: (.6,.7]: conf .7 acc 1; (.8,.9]: conf .85 acc 0; (.3,.4]: conf .4 acc 1;
    # (.9,1]: conf .95 acc 1.
    expected = (abs(.7 - 1) + abs(.85 - 0) + abs(.4 - 1) + abs(.95 - 1)) / 4
    signed = ((.7 - 1) + (.85 - 0) + (.4 - 1) + (.95 - 1)) / 4
    assert metrics.ece(PROBS, LABELS) == pytest.approx(expected, abs=1e-6)
    assert metrics.signed_ece(PROBS, LABELS) == pytest.approx(signed, abs=1e-6)


def test_ece_with_empty_bins_and_all_correct():
    probs = np.array([[0.95, 0.05], [0.95, 0.05]])
    labels = np.array([0, 0])
    assert metrics.ece(probs, labels) == pytest.approx(0.05, abs=1e-6)
    assert metrics.accuracy(probs, labels) == 1.0
    bins = metrics.calibration_bins(probs, labels)
    assert bins["count"].tolist() == [0] * 9 + [2]
    assert np.isnan(bins["accuracy"][0])


@pytest.mark.parametrize("row,expected_bin", [
    ([0.3, 0.25, 0.25, 0.2], 2),   # (.2, .3]
    ([0.5, 0.5], 4),               # (.4, .5]
    ([0.6, 0.4], 5),               # (.5, .6]
    ([0.9, 0.1], 8),               # (.8, .9]
    ([1.0, 0.0], 9),               # (.9, 1]
])
def test_confidence_on_bin_edge_goes_to_lower_bin(row, expected_bin):
    counts = metrics.calibration_bins(np.array([row]), np.array([0]))["count"]
    assert int(np.argmax(counts)) == expected_bin
    streaming = metrics.ExpectedCalibrationError(from_logits=False)
    streaming.update_state(np.array([0]), np.array([row], "float32"))
    assert int(np.argmax(keras.ops.convert_to_numpy(streaming.counts))) == expected_bin


def test_zero_probability_of_true_class_gives_finite_nll():
    value = metrics.nll(np.array([[1.0, 0.0]]), np.array([1]))
    assert np.isfinite(value) and value == pytest.approx(-math.log(np.finfo(np.float64).tiny))


def test_top_k_accuracy():
    assert metrics.top_k_accuracy(PROBS, LABELS, k=2) == 0.75   # label 2 of row 1 is 3rd
    assert metrics.top_k_accuracy(PROBS, LABELS, k=3) == 1.0
    assert metrics.top_k_accuracy(PROBS, LABELS, k=1) == metrics.accuracy(PROBS, LABELS)
    with pytest.raises(ValueError, match="k must be"):
        metrics.top_k_accuracy(PROBS, LABELS, k=4)


def test_cutoff_metrics_by_hand():
    result = metrics.cutoff_metrics(PROBS, LABELS, cutoff=0.9)
    assert result == {"acc": 1.0, "unc": 1.0, "freq": 0.25}
    result = metrics.cutoff_metrics(PROBS, LABELS, cutoff=0.8)
    assert result["acc"] == 0.5 and result["unc"] == 0.0 and result["freq"] == 0.5
    empty = metrics.cutoff_metrics(np.array([[0.5, 0.5]]), np.array([0]), 0.9)
    assert np.isnan(empty["acc"]) and np.isnan(empty["unc"]) and empty["freq"] == 0


@pytest.mark.parametrize("probs,labels,message", [
    (np.ones((2, 3)) / 3, np.array([0, 3]), "labels must be in"),
    (np.ones((2, 3)) / 3, np.array([0]), "labels must have shape"),
    (np.ones(3) / 3, np.array([0]), "probs must have shape"),
    (np.array([[2.0, -1.0]]), np.array([0]), "pass logits"),
    (np.zeros((0, 3)), np.zeros(0, int), "at least one example"),
    (np.ones((1, 2)) / 2, np.array([0.5]), "integers"),
])
def test_bad_inputs(probs, labels, message):
    with pytest.raises(ValueError, match=message):
        metrics.nll(probs, labels)


@pytest.mark.parametrize("probs,message", [
    ([[0.2, 0.8, 0.0], [0.5, 0.6, 0.1]], r"row 1 is \[0.5, 0.6, 0.1\], summing to 1.2"),
    ([[0.5, 0.6, -0.1], [0.2, 0.8, 0.0]], "row 0"),
    ([[0.2, 0.8, 0.0], [0.3, 0.3, 0.3]], "row 1 .* summing to 0.9"),
    ([[0.2, 0.8, 0.0], [np.nan, 0.5, 0.5]], "row 1"),
])
def test_rows_that_are_not_probabilities_are_refused(probs, message):
    with pytest.raises(ValueError, match=message):
        metrics.summary(probs, [0, 1])


def test_row_sum_tolerance_follows_the_precision():
    assert metrics.row_sum_tolerance(np.float64) == metrics.row_sum_tolerance(np.float32) == 1e-3
    assert metrics.row_sum_tolerance(np.float16) == 4 * 2.0 ** -10
    assert metrics.row_sum_tolerance(keras.ops.convert_to_numpy(
        keras.ops.ones(1, "bfloat16")).dtype) == 4 * 2.0 ** -7
    # A float32 row off by 0.002 is refused; the same error in float16 is rounding.
    off = np.array([[0.502, 0.5]])
    with pytest.raises(ValueError, match="within 0.001"):
        metrics.accuracy(off.astype(np.float32), [0])
    assert metrics.accuracy(off.astype(np.float16), [0]) == 1.0


def test_softmax_computed_in_half_precision_is_accepted():
    logits = np.random.default_rng(0).normal(size=(500, 1000)) * 4
    for dtype in ("float16", "bfloat16"):
        probs = keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.cast(logits, dtype)))
        assert 0 <= metrics.nll(probs, np.zeros(500, int))


# Confidences exactly on bin edges (10 bins): 0.5 and 1.0 are exact in float32 and float64.
EDGE_PROBS = np.array([[0.5, 0.5],      # label 0: correct, confidence 0.5
                       [1.0, 0.0],      # label 0: correct, confidence 1.0
                       [0.55, 0.45]],   # label 1: wrong, confidence 0.55
                      np.float32)
EDGE_LABELS = np.array([0, 0, 1])


def test_ece_binnings_differ_by_the_known_amount_on_bin_edges():
    c55 = float(np.float32(0.55))
    # Consistent bins (lo, hi]: 0.5 -> (.4, .5], 1.0 -> (.9, 1], 0.55 -> (.5, .6].
    consistent = (abs(0.5 - 1) + abs(1.0 - 1) + abs(c55 - 0)) / 3
    # Reference: counts as above, but confidences summed over [lo, hi): 0.5 joins 0.55 in
    # [.5, .6) and 1.0 is in no bin. Bins (.4, .5]: conf 0, acc 1; (.5, .6]: conf 0.5 + 0.55
    # over 1 example, acc 0; (.9, 1]: conf 0, acc 1.
    reference = (1 + (0.5 + c55) + 1) / 3
    assert metrics.ece(EDGE_PROBS, EDGE_LABELS) == pytest.approx(consistent, abs=1e-7)
    assert metrics.ece(EDGE_PROBS, EDGE_LABELS, binning="reference") == pytest.approx(
        reference, abs=1e-7)
    assert reference - consistent == pytest.approx(2 / 3, abs=1e-7)
    assert metrics.signed_ece(EDGE_PROBS, EDGE_LABELS, binning="reference") == pytest.approx(
        (-1 + (0.5 + c55) - 1) / 3, abs=1e-7)
    bins = metrics.calibration_bins(EDGE_PROBS, EDGE_LABELS, binning="reference")
    assert bins["count"].tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0, 1]
    assert metrics.summary(EDGE_PROBS, EDGE_LABELS, binning="reference")["ece"] == \
        pytest.approx(reference, abs=1e-7)
    with pytest.raises(ValueError, match="binning must be one of"):
        metrics.ece(EDGE_PROBS, EDGE_LABELS, binning="torch")


def reference_code_ece(probs, labels, bins=np.linspace(0.0, 1.0, 11)):
    """ECE as the paper's ops/tests.py computes it, written out with its epsilons."""
    confidence, predicted = probs.max(axis=1), probs.argmax(axis=1)
    counts, accs, confs = [], [], []
    for lo, hi in zip(bins, bins[1:]):
        counted = (confidence > lo) & (confidence <= hi)
        count = counted.sum()
        counts.append(count)
        accs.append((predicted[counted] == labels[counted]).sum() / count if count else 0.0)
        confs.append(confidence[(confidence >= lo) & (confidence < hi)].sum() / (count + 1e-7))
    freq = np.array(counts) / (sum(counts) + 1e-7)
    return float(np.sum(np.abs(np.array(accs) - np.array(confs)) * freq))


def test_reference_binning_matches_the_reference_codes_ece():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(400, 10)) * rng.uniform(0, 40, size=(400, 1))
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(logits.astype("float32")))
    probs[:20] = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 20)]    # confidence 1.0
    probs[20:40] = np.float32(0.5) * np.eye(10, dtype=np.float32)[:2].sum(0)  # 0.5 on an edge
    labels = rng.integers(0, 10, 400)
    assert (probs.max(1) == 1).sum() >= 20
    expected = reference_code_ece(probs, labels)
    assert metrics.ece(probs, labels, binning="reference") == pytest.approx(expected, abs=1e-6)
    assert abs(metrics.ece(probs, labels) - expected) > 0.01


def test_streaming_metrics_equal_numpy_over_batches():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(300, 7)) * 3
    labels = rng.integers(0, 7, size=300)
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    streaming = [metrics.NegativeLogLikelihood(), metrics.ExpectedCalibrationError(),
                 metrics.ExpectedCalibrationError(signed=True), metrics.BrierScore()]
    for start in range(0, 300, 64):
        for metric in streaming:
            metric.update_state(labels[start:start + 64], logits[start:start + 64].astype("float32"))
    values = [float(m.result()) for m in streaming]
    expected = [metrics.nll(probs, labels), metrics.ece(probs, labels),
                metrics.signed_ece(probs, labels), metrics.brier(probs, labels)]
    np.testing.assert_allclose(values, expected, rtol=1e-4, atol=1e-5)


def test_streaming_metrics_from_probabilities_and_weights():
    nll = metrics.NegativeLogLikelihood(from_logits=False)
    nll.update_state(LABELS, PROBS.astype("float32"), sample_weight=np.array([1, 0, 0, 1]))
    assert float(nll.result()) == pytest.approx(-(math.log(.7) + math.log(.95)) / 2, rel=1e-5)


def test_streaming_metrics_in_model_evaluate_and_config():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[metrics.NegativeLogLikelihood(), metrics.ExpectedCalibrationError(),
                           metrics.BrierScore()])
    x = np.random.default_rng(1).normal(size=(50, 4)).astype("float32")
    y = np.arange(50) % 3
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert result["nll"] == pytest.approx(result["loss"], rel=1e-5)
    logits = keras.ops.convert_to_numpy(model(x))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert result["ece"] == pytest.approx(metrics.ece(probs, y), abs=1e-5)
    clone = metrics.ExpectedCalibrationError.from_config(
        metrics.ExpectedCalibrationError(num_bins=15, signed=True).get_config())
    assert clone.num_bins == 15 and clone.signed


def test_summary_keys():
    result = metrics.summary(PROBS, LABELS)
    assert set(result) == {"nll", "accuracy", "brier", "ece", "signed_ece", "acc90", "unc90",
                           "freq90"}
