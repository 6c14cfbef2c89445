import numpy as np
import pytest
import keras

from blur_keras.analysis import feature_map_variance
from blur_keras.layers import Blur, MCDropout


def checkerboard(size):
    return (-1.0) ** np.add.outer(np.arange(size), np.arange(size))


def test_deterministic_model_has_zero_model_uncertainty_and_known_data_uncertainty():
    inputs = keras.Input((8, 8, 3))
    tapped = keras.layers.Identity(name="stage1_block1_out")(inputs)
    conv = keras.layers.Conv2D(2, 3, name="stage1_block2_out")(tapped)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(conv)))
    # Channel c is (c + 1) times a checkerboard: its spatial std is c + 1, mean 2.
    x = np.stack([(c + 1) * checkerboard(8) for c in range(3)], -1)[None].repeat(2, 0)
    result = feature_map_variance(model, x.astype("float32"), num_samples=3)
    assert list(result) == ["stage1_block1_out", "stage1_block2_out"]
    assert result["stage1_block1_out"]["data_uncertainty"] == pytest.approx(2.0, rel=1e-6)
    assert result["stage1_block1_out"]["model_uncertainty"] == 0.0
    assert result["stage1_block2_out"]["model_uncertainty"] == 0.0


def test_constant_input_and_mc_dropout_and_a_blur():
    inputs = keras.Input((8, 8, 3))
    identity = keras.layers.Identity(name="stage1_block1_out")(inputs)
    dropped = MCDropout(0.5, seed=7, name="stage1_block2_out")(identity)
    blurred = Blur((1, 1), padding="valid", name="stage1_smooth")(dropped)
    model = keras.Model(inputs, keras.layers.Flatten()(blurred))
    x = np.full((2, 8, 8, 3), 2.0, "float32")
    result = feature_map_variance(model, x, num_samples=200)
    # A constant map before any stochastic layer: no uncertainty of either kind.
    assert result["stage1_block1_out"] == {"model_uncertainty": 0.0, "data_uncertainty": 0.0}
    # Dropout at rate 0.5 of the constant 2 gives 0 or 4: standard deviation 2.
    assert result["stage1_block2_out"]["model_uncertainty"] == pytest.approx(2.0, rel=0.03)
    assert result["stage1_block2_out"]["data_uncertainty"] == pytest.approx(2.0, rel=0.03)
    # The 2x2 box blur averages 4 independent draws: the std halves (Prop. 1).
    assert result["stage1_smooth"]["model_uncertainty"] == pytest.approx(1.0, rel=0.03)


def test_errors():
    inputs = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten(name="stage1_block1_out")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(flat))
    x = np.zeros((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        feature_map_variance(model, x, num_samples=1)
    with pytest.raises(ValueError, match="4-D feature maps"):
        feature_map_variance(model, x, num_samples=2)
