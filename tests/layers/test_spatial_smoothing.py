import numpy as np
import pytest
import keras

from blur_keras.layers import Blur, Prob, SpatialSmoothing
from tests.test_case import random_input, run_layer_test, to_numpy


@pytest.mark.parametrize("kwargs,out", [
    ({}, 6),
    ({"padding": "full"}, 7),
    ({"prob": None, "kernel": (1, 2, 1), "padding": "valid"}, 4),
    ({"prob": "softmax", "temperature": 3.0, "pad_mode": "edge"}, 6),
])
def test_standard_layer_checks(kwargs, out, tmp_path):
    run_layer_test(SpatialSmoothing, kwargs, (2, 6, 6, 3), (2, out, out, 3), str(tmp_path))


def test_standard_layer_checks_channels_first(tmp_path):
    run_layer_test(SpatialSmoothing, {"data_format": "channels_first", "prob": "softmax"},
                   (2, 3, 6, 6), (2, 3, 6, 6), str(tmp_path), run_dtype_policies=False)


@pytest.mark.parametrize("prob", ["tanh", "relu6", "sigmoid", "softmax", None])
def test_equals_blur_of_prob(prob):
    x = random_input((2, 6, 5, 4)) * 15
    smoothing = SpatialSmoothing(prob, kernel=(1, 2, 1), padding="full", pad_mode="symmetric")
    blur = Blur((1, 2, 1), padding="full", pad_mode="symmetric")
    expected = blur(x if prob is None else Prob(prob)(x))
    np.testing.assert_allclose(to_numpy(smoothing(x)), to_numpy(expected), rtol=1e-6, atol=1e-6)


def test_default_is_paper_default():
    config = SpatialSmoothing().get_config()
    assert (config["prob"], config["temperature"], config["kernel"]) == ("tanh", 10.0, [1, 1])


def test_adding_smoothing_leaves_weight_files_unchanged(tmp_path):
    def build(smooth):
        keras.utils.set_random_seed(0)
        layers = [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, name="conv")]
        layers += [SpatialSmoothing(padding="full")] if smooth else []
        layers += [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, name="fc")]
        return keras.Sequential(layers)
    plain, smooth = build(False), build(True)
    assert [w.shape for w in plain.weights] == [w.shape for w in smooth.weights]
    plain.save_weights(str(tmp_path / "plain.weights.h5"))
    smooth.load_weights(str(tmp_path / "plain.weights.h5"))


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="no temperature"):
        SpatialSmoothing(prob=None, temperature=2.0)
    with pytest.raises(ValueError, match="Unknown Prob kind"):
        SpatialSmoothing(prob="max")
    with pytest.raises(ValueError, match="positive"):
        SpatialSmoothing(kernel=(0,))
