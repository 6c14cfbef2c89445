import logging

import numpy as np
import pytest
import keras

import blur_keras.models as models
from blur_keras.layers import MCDropout, monte_carlo_disabled
from blur_keras.predict import Ensemble, _plan, infer_outputs, predict_proba
from tests.test_case import random_input, run_model_saving_test, to_numpy


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def dropout_model(seed=0):
    """x -> Dense -> ReLU -> MCDropout -> (+ skip from the Dense) -> Dense: a prefix and a skip."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(16, name="dense1")(inputs)
    hidden = keras.layers.ReLU(name="relu")(hidden)
    dropped = MCDropout(0.5, name="dropout")(hidden)
    merged = keras.layers.Add(name="skip")([hidden, dropped])
    return keras.Model(inputs, keras.layers.Dense(4, name="logits")(merged))


def test_prefix_and_suffix_split_at_first_stochastic_layer():
    plan = _plan(dropout_model(), max_rows=256)
    assert plan.prefix is not None
    assert [t.shape for t in plan.boundary] == [(None, 16)]   # relu output feeds both paths
    assert {l.name for l in plan.suffix.layers} >= {"dropout", "skip", "logits"}
    assert "dense1" not in {l.name for l in plan.suffix.layers}
    resnet = _plan(models.get("resnet_mcdo_smoothing_18", input_shape=(16, 16, 3)), 256)
    # The first dropout sits in stage1_block1: its input and the block's skip input cross over.
    assert sorted(t.shape[-1] for t in resnet.boundary) == [64, 64]


def test_fast_path_matches_naive_loop_in_distribution():
    model = dropout_model()
    x = random_input((3, 6))
    n = 4000
    fast_mean, fast = predict_proba(model, x, n, return_samples=True, method="fast")
    naive_mean, naive = predict_proba(model, x, n, return_samples=True, method="naive")
    assert fast.shape == naive.shape == (n, 3, 4)
    np.testing.assert_allclose(fast_mean, naive_mean, atol=0.02)
    np.testing.assert_allclose(fast.std(axis=0), naive.std(axis=0), atol=0.02)
    # Samples are independent: consecutive samples are not more alike than random pairs.
    lag1 = np.corrcoef(fast[:-1, 0, 0], fast[1:, 0, 0])[0, 1]
    assert abs(lag1) < 0.1
    with monte_carlo_disabled(model):
        deterministic = softmax(to_numpy(model(x)).astype("float64"))
    assert np.abs(fast_mean - deterministic).max() > 0.01


@pytest.mark.slow                  # ~20 s of CPU: many MC passes
def test_resnet_fast_path_statistics_match_naive():
    model = models.get("resnet_mcdo_smoothing_18", input_shape=(12, 12, 3), num_classes=3)
    x = random_input((2, 12, 12, 3))
    fast_mean, fast = predict_proba(model, x, 200, return_samples=True, max_rows=64)
    naive_mean, naive = predict_proba(model, x, 200, return_samples=True, method="naive")
    np.testing.assert_allclose(fast_mean, naive_mean, atol=0.05)
    np.testing.assert_allclose(fast.std(axis=0), naive.std(axis=0), atol=0.05)


def test_deterministic_model_is_exact_and_run_once():
    model = models.get("resnet_dnn_smoothing_18", input_shape=(12, 12, 3), num_classes=5)
    x = random_input((7, 12, 12, 3))
    probs, samples = predict_proba(model, x, num_samples=3, batch_size=4, return_samples=True)
    expected = softmax(to_numpy(model(x)).astype("float64"))
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-6)
    assert samples.shape == (3, 7, 5) and np.allclose(samples[0], samples[2])


def test_switched_off_monte_carlo_is_exact():
    model = dropout_model()
    x = random_input((5, 6))
    with monte_carlo_disabled(model):
        np.testing.assert_allclose(predict_proba(model, x, 10),
                                   softmax(to_numpy(model(x)).astype("float64")), rtol=1e-5)


def test_stable_for_extreme_logits_and_probability_outputs():
    inputs = keras.Input((2,))
    big = keras.layers.Dense(3, kernel_initializer=keras.initializers.Constant(500.0))(inputs)
    model = keras.Model(inputs, big)
    probs = predict_proba(model, np.array([[1.0, -2.0]], "float32"))
    assert np.all(np.isfinite(probs)) and probs.sum() == pytest.approx(1.0)
    soft = keras.Sequential([keras.Input((3,)), keras.layers.Softmax()])
    x = random_input((4, 3))
    np.testing.assert_allclose(predict_proba(soft, x, outputs="probabilities"), softmax(x),
                               rtol=1e-5)


def one_hot_softmax_model(final):
    """Outputs [1, 0, ..., 0] (10 classes) through a final softmax written as `final`."""
    inputs = keras.Input((3,))
    logits = keras.layers.Dense(10, kernel_initializer="zeros",
                                bias_initializer=keras.initializers.Constant(
                                    [200.0] + [0.0] * 9),
                                activation="softmax" if final == "activation" else None)(inputs)
    if final == "layer":
        logits = keras.layers.Softmax()(logits)
    elif final == "op":
        logits = keras.ops.softmax(logits)
    elif final == "nested":
        inner = keras.Sequential([keras.Input((10,)), keras.layers.Activation("softmax")])
        logits = inner(logits)
    return keras.Model(inputs, logits)


@pytest.mark.parametrize("final", ["activation", "layer", "op", "nested"])
def test_probability_outputs_are_not_softmaxed_twice(final, caplog):
    model = one_hot_softmax_model(final)
    x = random_input((2, 3))
    assert infer_outputs(model) == ("probabilities", "its last layer applies a softmax")
    with caplog.at_level(logging.WARNING, logger="blur_keras.predict"):
        probs = predict_proba(model, x)
    np.testing.assert_array_equal(probs, np.eye(10, dtype=np.float32)[[0, 0]])
    assert "outputs probabilities (its last layer applies a softmax)" in caplog.text
    # Softmaxing [1, 0, ..., 0] again gives e / (e + 9) = 0.232 and 1 / (e + 9) = 0.085.
    twice = predict_proba(model, x, outputs="logits")
    np.testing.assert_allclose(twice[0, :2], [np.e / (np.e + 9), 1 / (np.e + 9)], rtol=1e-6)


class SubclassedSoftmax(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)

    def call(self, inputs):
        return keras.ops.softmax(self.dense(inputs))


def test_probability_outputs_of_a_subclassed_model_are_found_on_the_first_batch():
    model = SubclassedSoftmax()
    x = random_input((5, 6))
    assert infer_outputs(model)[0] == "logits"             # nothing to see without inputs
    assert infer_outputs(model, x) == (
        "probabilities", "its outputs on a first batch are non-negative and sum to 1")
    expected = to_numpy(model(x))
    np.testing.assert_allclose(predict_proba(model, x), expected, rtol=1e-5)
    logits_model = dropout_model()
    assert infer_outputs(logits_model, x)[0] == "logits"
    with pytest.raises(ValueError, match="outputs must be one of"):
        predict_proba(logits_model, x, outputs="probs")


def test_ensemble_of_softmax_members_averages_their_probabilities():
    members = [keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="softmax")])
               for _ in range(2)]
    x = random_input((3, 6))
    expected = np.mean([to_numpy(m(x)) for m in members], axis=0)
    np.testing.assert_allclose(predict_proba(Ensemble(members), x), expected, rtol=1e-5)


def test_dataset_input_and_chunking():
    import tensorflow as tf
    model = dropout_model()
    x = random_input((10, 6))
    ds = tf.data.Dataset.from_tensor_slices((x, np.zeros(10))).batch(4)
    assert predict_proba(model, ds, 5).shape == (10, 4)
    # max_rows smaller than samples x batch: several chunks of tiled samples.
    _, samples = predict_proba(model, x, 7, batch_size=5, max_rows=10, return_samples=True)
    assert samples.shape == (7, 10, 4) and not np.allclose(samples[0], samples[1])


def test_reparameterization_models_use_the_per_sample_loop():
    pytest.importorskip("tensorflow_probability")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("variational layers need the TensorFlow backend")
    from blur_keras.bayesian import DenseReparameterization
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8)(inputs)
    model = keras.Model(inputs, DenseReparameterization(3, posterior_scale_init=0.5)(hidden))
    plan = _plan(model, 256)
    assert not plan.tileable
    x = random_input((2, 4))
    _, samples = predict_proba(model, x, 300, return_samples=True)
    _, naive = predict_proba(model, x, 300, return_samples=True, method="naive")
    np.testing.assert_allclose(samples.mean(0), naive.mean(0), atol=0.06)
    np.testing.assert_allclose(samples.std(0), naive.std(0), atol=0.06)


@pytest.mark.parametrize("kwargs,message", [
    ({"num_samples": 0}, "num_samples"),
    ({"batch_size": -1}, "batch_size"),
    ({"method": "vectorised"}, "Unknown method"),
    ({"max_rows": 0}, "max_rows"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        predict_proba(dropout_model(), random_input((2, 6)), **kwargs)
    with pytest.raises(ValueError, match="empty"):
        predict_proba(dropout_model(), np.zeros((0, 6), "float32"))


@pytest.mark.slow                  # ~10 s: saves and reloads an ensemble
def test_ensemble_is_mean_of_member_probabilities_and_round_trips(tmp_path):
    members = [models.get("resnet_dnn_smoothing_18", input_shape=(12, 12, 3), num_classes=4,
                          name=f"member{i}") for i in range(3)]
    ensemble = Ensemble(members, name="deep_ensemble")
    x = random_input((5, 12, 12, 3))
    expected = np.mean([softmax(to_numpy(m(x)).astype("float64")) for m in members], axis=0)
    np.testing.assert_allclose(predict_proba(ensemble, x), expected, rtol=1e-5, atol=1e-6)
    restored = run_model_saving_test(ensemble, x, str(tmp_path))
    np.testing.assert_allclose(predict_proba(restored, x), expected, rtol=1e-5, atol=1e-6)


def test_ensemble_of_stochastic_members_samples():
    members = [dropout_model(seed) for seed in (1, 2)]
    ensemble = Ensemble(members)
    ensemble.build((None, 6))
    x = random_input((3, 6))
    _, samples = predict_proba(ensemble, x, 4, return_samples=True)
    assert not np.allclose(samples[0], samples[1])
    with pytest.raises(ValueError, match="non-empty list"):
        Ensemble([])


def _small_resnet():
    return models.get("resnet_mcdo_smoothing_18", input_shape=(12, 12, 1), num_classes=3,
                      width=4)


@pytest.mark.parametrize("shape,hint", [
    ((2, 12, 12, 3), ""),                                   # RGB for a grey-scale model
    ((2, 12, 12), "channel axis is missing"),
    ((2, 16, 16, 1), ""),                                    # another image size
])
@pytest.mark.parametrize("wrap", [False, True], ids=["model", "ensemble"])
def test_input_of_the_wrong_shape_is_refused_whatever_came_before(shape, hint, wrap):
    model = _small_resnet()
    if wrap:
        model = Ensemble([model, _small_resnet()])
    assert predict_proba(model, random_input((2, 12, 12, 1)), 2).shape == (2, 3)  # one valid call
    for _ in range(2):                                       # the same error every time
        with pytest.raises(ValueError, match=r"takes inputs of shape \(examples, 12, 12, 1\); "
                                             rf"received a batch of shape \({shape[0]}, .*{hint}"):
            predict_proba(model, random_input(shape), 2)


def test_input_shape_is_checked_for_every_dataset_batch():
    import tensorflow as tf
    ds = tf.data.Dataset.from_tensor_slices(random_input((4, 12, 12, 3))).batch(2)
    with pytest.raises(ValueError, match=r"received a batch of shape \(2, 12, 12, 3\)"):
        predict_proba(_small_resnet(), ds)


def test_ensemble_members_must_agree_on_the_input_shape():
    other = models.get("resnet_mcdo_smoothing_18", input_shape=(16, 16, 1), num_classes=3,
                       width=4)
    with pytest.raises(ValueError, match="disagree on the input shape"):
        Ensemble([_small_resnet(), other])
