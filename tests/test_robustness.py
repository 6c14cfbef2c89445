import dataclasses
import json
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


ALEXNET = robustness.get_baseline("cifar100_c_alexnet")


def test_registered_alexnet_baseline_holds_the_papers_sums():
    # docs/paper.md#corruption-baseline (the sums of the reference's cifar100_alexnet_dnn_corrupted.csv).
    assert (ALEXNET.dataset, ALEXNET.source, ALEXNET.severities) == (
        "cifar100", "published", (1, 2, 3, 4, 5))
    assert len(ALEXNET.sums) == 15
    assert ALEXNET.sums["gaussian_noise"] == (356.48, 33.2232, 234.09)
    assert ALEXNET.sums["jpeg_compression"] == (249.13, 13.8661, 122.65)
    alexnet_itself = {c: {s: row(1 - err / 500, nll / 5, ece / 500) for s in range(1, 6)}
                      for c, (err, nll, ece) in ALEXNET.sums.items()}
    result = robustness.relative_corruption_scores(alexnet_itself, ALEXNET.sums)
    assert result["mce"] == pytest.approx(100.0)
    assert result["mcnll"] == pytest.approx(100.0) and result["mcece"] == pytest.approx(100.0)


def test_baselines_only_score_data_like_theirs():
    assert robustness.matching_baseline("cifar100", "published") is ALEXNET
    assert robustness.matching_baseline("cifar100", "generated") is None
    with pytest.raises(ValueError, match="published cifar100 data, this run scores generated "
                                         "cifar100 data: relative scores would mix"):
        robustness.check_comparable(ALEXNET, "cifar100", "generated")
    with pytest.raises(ValueError, match="mix different data"):
        robustness.check_comparable(ALEXNET, "fashion_mnist", "published")
    with pytest.raises(ValueError, match=r"sums severities \[1, 2, 3, 4, 5\], this run "
                                         r"evaluates \[1, 5\]"):
        robustness.check_comparable(ALEXNET, "cifar100", "published", (5, 1))
    robustness.check_comparable(ALEXNET, "cifar100", "published", (1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match="Unknown baseline 'alexnet'"):
        robustness.get_baseline("alexnet")


def test_baseline_files_round_trip_and_runs_become_baselines(tmp_path):
    path = tmp_path / "b.json"
    robustness.write_baseline(ALEXNET, str(path))
    assert robustness.read_baseline(str(path)) == ALEXNET
    run = {"config": {"model": "small.keras", "dataset": "fashion_mnist", "source": "generated",
                      "seed": 3, "subset": 48},
           "table": {"fog": {"1": row(0.9, 0.5, 0.02), "5": row(0.5, 1.5, 0.1)}}}
    (tmp_path / "corruptions.json").write_text(json.dumps(run))
    baseline = robustness.read_baseline(str(tmp_path / "corruptions.json"))
    assert baseline.sums["fog"] == pytest.approx((60.0, 2.0, 12.0))
    assert (baseline.dataset, baseline.source, baseline.severities) == (
        "fashion_mnist", "generated", (1, 5))
    assert baseline.data() == "generated fashion_mnist (seed 3, first 48 images)"


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not valid JSON"),
    ("[1, 2]", "is not a baseline JSON"),
    ('{"name": "x"}', "lacks \\['model', 'dataset'"),
    ('{"name": "x", "model": "m", "dataset": "d", "source": "published", "severities": [1], '
     '"sums": {"fog": [1, 2, 3]}}', "sums must map corruptions"),
    ('{"name": "x", "model": "m", "dataset": "d", "source": "web", "severities": [1], '
     '"sums": {}}', "source must be one of"),
    ('{"config": {"dataset": "d", "source": "generated"}, "table": {"fog": 3}}',
     "malformed table"),
    ('{"config": {"dataset": "d", "source": "generated"}, "table": {"fog": {"1": {"nll": 1}}}}',
     "lacks metrics"),
])
def test_malformed_baseline_files_name_the_file(content, message, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as error:
        robustness.read_baseline(str(path))
    assert str(path) in str(error.value)


def test_bad_tables():
    with pytest.raises(ValueError, match="No corruption"):
        robustness.relative_corruption_scores({"blur": {1: row(1, 0, 0)}}, ALEXNET.sums)
    with pytest.raises(ValueError, match="lacks metrics"):
        robustness.relative_corruption_scores({"fog": {1: {"accuracy": 0.5}}}, ALEXNET.sums)


def test_consistency_on_crafted_predictions():
    a, b = [0.9, 0.1], [0.2, 0.8]
    probs = np.array([[a, a, b, b],      # one flip in 3 transitions
                      [a, a, a, a]])     # none
    result = robustness.consistency_metrics(probs)
    assert result["cons"] == pytest.approx(5 / 6)
    assert result["flip_rate"] == pytest.approx(1 / 6)
    # The paper's code: -mean over classes of p_{t+1} log p_t, then over transitions.
    cec_aa = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1)) / 2
    cec_ab = -(0.2 * math.log(0.9) + 0.8 * math.log(0.1)) / 2     # next frame b, this one a
    cec_bb = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8)) / 2
    assert result["cec"] == pytest.approx((cec_aa + cec_ab + cec_bb + 3 * cec_aa) / 6)
    assert cec_ab == pytest.approx(0.9315701, abs=1e-7)
    # The paper's text: -sum over classes of p_t log p_{t+1}.
    xent_ab = -(0.9 * math.log(0.2) + 0.1 * math.log(0.8))
    assert xent_ab == pytest.approx(1.4708085, abs=1e-7)
    assert result["cross_entropy"] == pytest.approx(
        (4 * 2 * cec_aa + xent_ab + 2 * cec_bb) / 6)
    first = robustness.consistency_metrics(probs, flip_reference="first")
    assert first["flip_rate"] == pytest.approx(2 / 6)   # frames 3 and 4 differ from frame 1
    with pytest.raises(ValueError, match="frames >= 2"):
        robustness.consistency_metrics(np.ones((2, 1, 3)) / 3)
    with pytest.raises(ValueError, match=r"row \(1, 2\)"):
        robustness.consistency_metrics(np.concatenate([probs[:1], [[a, a, [2.0, -1.0], a]]]))


def test_evaluate_consistency_of_a_model():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    frames = np.repeat(np.random.default_rng(0).normal(size=(2, 1, 4, 4, 1)), 5, axis=1)
    result = robustness.evaluate_consistency(model, frames.astype("float32"))
    assert result["cons"] == 1.0 and result["flip_rate"] == 0.0
    with pytest.raises(ValueError, match="sequences must have shape"):
        robustness.evaluate_consistency(model, frames[0])


def test_evaluate_consistency_normalises_and_chunks():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    raw = np.random.default_rng(1).integers(0, 256, (5, 3, 8, 8, 1), dtype=np.uint8)
    direct = robustness.evaluate_consistency(model, (raw / 255.0 - 0.5) / 0.25)
    chunked = robustness.evaluate_consistency(model, raw, normalization=((0.5,), (0.25,)),
                                              chunk=2)
    assert chunked == pytest.approx(direct, rel=1e-5)


def small_classifier(classes=10, shape=(28, 28, 1)):
    return keras.Sequential([keras.Input(shape), keras.layers.Conv2D(4, 3, strides=2),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(classes)])


@pytest.fixture(scope="module")
def fashion_subset():
    from blur_keras.data import load_idx_arrays
    images, labels = load_idx_arrays("fashion_mnist", "test")
    return images[:40], labels[:40].astype(np.int64)


@pytest.mark.real_data
def test_evaluate_corruptions_generated_matches_a_manual_run(fashion_subset):
    from blur_keras import corruptions, metrics
    from blur_keras.predict import predict_proba
    images, labels = fashion_subset
    model = small_classifier()
    norm = ((0.286,), (0.353,))
    result = robustness.evaluate_corruptions(model, (images, labels), ["fog", "contrast"], [1, 4],
                                             normalization=norm, batch_size=16, seed=3,
                                             progress=False)
    assert list(result["table"]) == ["fog", "contrast"]
    assert list(result["table"]["fog"]) == [1, 4] and result["scores"] is None
    # fog is corruption 9 of the 19; batch k uses seed (3, 9, severity, k).
    batches = [corruptions.corrupt(images[s:s + 16], "fog", 4, seed=(3, 9, 4, k))
               for k, s in enumerate(range(0, 40, 16))]
    x = (np.concatenate(batches).astype(np.float32) / 255 - 0.286) / 0.353
    expected = metrics.summary(predict_proba(model, x), labels)
    assert result["table"]["fog"][4] == pytest.approx(expected, rel=1e-5, nan_ok=True)
    again = robustness.evaluate_corruptions(model, (images, labels), ["fog"], [4],
                                            normalization=norm, batch_size=16, seed=3,
                                            progress=False)
    assert again["table"]["fog"][4] == pytest.approx(result["table"]["fog"][4], nan_ok=True)


def test_evaluate_corruptions_from_a_callable_with_baselines():
    model = small_classifier(3, (8, 8, 1))
    rng = np.random.default_rng(0)
    severities = [1, 2, 3, 4, 5]
    data = {(c, s): (rng.normal(size=(6, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 6))
            for c in ("fog", "snow") for s in severities}
    calls = []

    def batches(corruption, severity):
        calls.append((corruption, severity))
        return [data[corruption, severity]]

    result = robustness.evaluate_corruptions(model, batches, ["fog", "snow"], severities,
                                             baseline="cifar100_c_alexnet", progress=False)
    assert calls == [(c, s) for c in ("fog", "snow") for s in severities]
    sums = robustness.severity_sums(result["table"])
    fog_error = sums["fog"][0]
    assert result["scores"]["per_corruption"]["fog"]["ce"] == pytest.approx(
        100 * fog_error / 282.68)                       # AlexNet's fog error sum (docs/paper.md)
    assert result["scores"]["baseline"] == "cifar100_c_alexnet"
    itself = robustness.evaluate_corruptions(model, batches, ["fog", "snow"], severities,
                                             baseline=result["table"], progress=False)
    assert itself["scores"]["mcnll"] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="Unknown baseline"):
        robustness.evaluate_corruptions(model, batches, ["fog"], baseline="resnet")
    with pytest.raises(ValueError, match="this run evaluates \\[1, 2\\]"):
        robustness.evaluate_corruptions(model, batches, ["fog"], [1, 2],
                                        baseline="cifar100_c_alexnet", progress=False)


def test_generated_corruptions_refuse_the_published_baseline():
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1), dtype=np.uint8)
    with pytest.raises(ValueError) as error:
        robustness.evaluate_corruptions(small_classifier(), (images, np.zeros(4, int)), ["fog"],
                                        baseline="cifar100_c_alexnet", progress=False)
    message = str(error.value)
    # The arrays' dataset is unknown here: the message names none for them (not the baseline's),
    # and its advice is in Python, not in command-line flags.
    assert "published cifar100 data, this run scores generated data:" in message
    assert "baseline=None" in message and "--" not in message


def test_written_baselines_register_by_explicit_path_or_directory(tmp_path, monkeypatch):
    from blur_keras.robustness import baselines
    monkeypatch.setattr(baselines, "BASELINES", dict(baselines.BASELINES))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    mine = dataclasses.replace(ALEXNET, name="my_alexnet")
    path = robustness.write_baseline(mine, "~/baselines/mine/my_alexnet.json")
    assert path == str(tmp_path / "baselines" / "mine" / "my_alexnet.json")   # where it was told
    with pytest.raises(ValueError, match="Unknown baseline 'my_alexnet'"):
        robustness.get_baseline("my_alexnet")                   # written is not registered
    assert robustness.register_baseline("~/baselines/mine") == [mine]
    assert robustness.get_baseline("my_alexnet") == mine
    assert robustness.register_baseline(path) == [mine]         # the same again: fine
    clash = robustness.write_baseline(dataclasses.replace(mine, model="other"),
                                      tmp_path / "clash.json")
    with pytest.raises(ValueError, match="registered already, with other numbers"):
        robustness.register_baseline(clash)
    with pytest.raises(ValueError, match="not found"):
        robustness.register_baseline(tmp_path / "none")


def test_probability_models_are_scored_on_their_probabilities(fashion_subset):
    images, labels = fashion_subset
    logits = small_classifier()
    probabilities = keras.Sequential([logits, keras.layers.Softmax()])
    args = dict(dataset=(images[:16], labels[:16]), corruptions=["fog"], severities=[2],
                progress=False)
    expected = robustness.evaluate_corruptions(logits, **args)["table"]["fog"][2]
    assert robustness.evaluate_corruptions(probabilities, **args)["table"]["fog"][2] == \
        pytest.approx(expected, rel=1e-5, nan_ok=True)
    frames = np.repeat(images[:4, None], 3, axis=1)
    assert robustness.evaluate_consistency(probabilities, frames) == pytest.approx(
        robustness.evaluate_consistency(logits, frames), rel=1e-5)


@pytest.mark.real_data
@pytest.mark.parametrize("kwargs, message", [
    ({"corruptions": ["mist"]}, "unknown: \\['mist'\\]"),
    ({"corruptions": []}, "non-empty"),
    ({"severities": [0]}, "severities must be"),
    ({"dataset": (np.zeros((3, 28, 28, 1)), np.zeros(2))}, "equally long"),
    ({"dataset": 5}, "dataset must be"),
])
def test_evaluate_corruptions_bad_arguments(kwargs, message, fashion_subset):
    args = {"model": small_classifier(), "dataset": fashion_subset, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        robustness.evaluate_corruptions(**args)
