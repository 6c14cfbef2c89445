"""The version-2 measurements on known inputs: output uncertainty, landscape summary, adapted
batch norm."""

import numpy as np
import pytest

from study.bn_adaptation import adapted_logits, batch_norm_layers
from study.mechanisms import landscape_summary, output_uncertainty


def test_docstring_examples():
    import doctest
    from study import mechanisms
    assert doctest.testmod(mechanisms, extraglobs={"np": np}).failed == 0


def test_model_uncertainty_is_zero_for_agreeing_samples_and_data_uncertainty_is_their_entropy():
    probs = np.array([[0.5, 0.5], [0.9, 0.1]])
    agreeing = output_uncertainty(np.stack([probs, probs, probs]))
    assert agreeing["predictive_variance"] == pytest.approx(0.0, abs=1e-12)
    assert agreeing["mutual_information"] == pytest.approx(0.0, abs=1e-12)
    entropy = -np.sum(probs * np.log(probs), axis=1).mean()
    assert agreeing["expected_entropy"] == pytest.approx(entropy)
    assert agreeing["predictive_entropy"] == pytest.approx(entropy)
    # Two confident samples that disagree: no data uncertainty, all of it model uncertainty.
    split = output_uncertainty(np.array([[[1.0, 0.0]], [[0.0, 1.0]]]))
    assert split["expected_entropy"] == pytest.approx(0.0, abs=1e-12)
    assert split["mutual_information"] == pytest.approx(np.log(2))
    assert split["predictive_variance"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"\(samples, images, classes\)"):
        output_uncertainty(np.ones((2, 3)))


def test_the_landscape_rise_is_measured_from_the_centre():
    grid = np.linspace(-1, 1, 5)
    bowl = 0.2 + np.add.outer(grid ** 2, grid ** 2)
    summary = landscape_summary(bowl)
    assert summary["centre"] == pytest.approx(0.2) and summary["max"] == pytest.approx(2.2)
    assert summary["rise"] == pytest.approx(bowl.mean() - 0.2)
    assert summary["edge_rise"] > summary["rise"] > 0
    assert landscape_summary(2 * bowl - 0.2)["rise"] == pytest.approx(2 * summary["rise"])
    with pytest.raises(ValueError, match="odd size"):
        landscape_summary(np.zeros((4, 4)))


def test_adapted_batch_norm_uses_the_images_statistics_and_leaves_the_model_as_it_was():
    import keras
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.BatchNormalization(epsilon=1e-6)(inputs))
    layer = batch_norm_layers(model)[0]
    layer.moving_mean.assign([5.0, 5.0, 5.0])
    layer.moving_variance.assign([4.0, 4.0, 4.0])
    images = np.random.default_rng(0).normal(2.0, 3.0, (64, 3)).astype("float32")
    adapted = adapted_logits(model, images)
    expected = (images - images.mean(axis=0)) / np.sqrt(images.var(axis=0) + 1e-6)
    np.testing.assert_allclose(adapted, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.array(layer.moving_mean), [5.0] * 3)
    np.testing.assert_allclose(np.array(layer.moving_variance), [4.0] * 3)
    fixed = np.asarray(model(images, training=False))
    np.testing.assert_allclose(fixed, (images - 5.0) / np.sqrt(4.0 + 1e-6), rtol=1e-5)
    assert batch_norm_layers(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])) == []
