"""A loaded preset takes raw pixels (its card's standardisation is its first layer)."""

import json
import os

import numpy as np
import pytest

from blur_keras import predict_proba, zoo
from blur_keras.layers import PixelStandardization
from blur_keras.predict import _plan
from blur_keras.zoo.files import shipped_zoo_directory
from tests.test_case import run_fresh_python

pytestmark = pytest.mark.tensorflow_only

DETERMINISTIC = "resnet_dnn_18.fmnist_w16"
STOCHASTIC = "resnet_mcdo_smoothing_18.fmnist_w16"


@pytest.fixture(autouse=True)
def shipped_only(monkeypatch):
    monkeypatch.delenv("BLUR_KERAS_ZOO_DIR", raising=False)


def pixels(count=8) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (count, 28, 28, 1), dtype="uint8")


def standardized(images, name) -> np.ndarray:
    """What `blur_keras.data` feeds the networks: pixels / 255, then (x - mean) / std."""
    pre = zoo.card(name)["preprocessing"]
    x = images.astype("float32") / np.float32(255.0)
    return (x - np.asarray(pre["mean"], "float32")) / np.asarray(pre["std"], "float32")


def test_a_loaded_preset_takes_raw_pixels_and_the_bare_network_standardised_images():
    model = zoo.load(DETERMINISTIC, compile=False)
    bare = zoo.load(DETERMINISTIC, include_preprocessing=False, compile=False)
    assert isinstance(model.layers[1], PixelStandardization)
    assert not any(isinstance(layer, PixelStandardization) for layer in bare.layers)
    assert model.count_params() == bare.count_params()
    assert model.input_shape == bare.input_shape == (None, 28, 28, 1)
    expected = bare.predict(standardized(pixels(), DETERMINISTIC), verbose=0)
    # The same up to float32 rounding of the compiled graphs (the layer itself is exact:
    # tests/layers/test_pixel_standardization.py).
    np.testing.assert_allclose(model.predict(pixels(), verbose=0), expected, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(model.predict(pixels().astype("float32"), verbose=0), expected,
                               rtol=1e-5, atol=1e-5)        # float pixels in [0, 255] too


def test_monte_carlo_prediction_counts_the_preprocessing_in_its_deterministic_prefix():
    model = zoo.load(STOCHASTIC, seed=0, compile=False)
    plan = _plan(model, 256)
    assert "pixel_standardization" in {layer.name for layer in plan.prefix.layers}
    probs = predict_proba(model, pixels(), num_samples=4)
    bare = zoo.load(STOCHASTIC, include_preprocessing=False, seed=0, compile=False)
    np.testing.assert_allclose(
        probs, predict_proba(bare, standardized(pixels(), STOCHASTIC), num_samples=4),
        rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_a_loaded_preset_saved_as_keras_loads_in_a_new_process_with_its_preprocessing(tmp_path):
    model = zoo.load(DETERMINISTIC, compile=False)
    path = tmp_path / "preset.keras"
    model.save(path)
    np.save(tmp_path / "pixels.npy", pixels())
    np.save(tmp_path / "expected.npy", model.predict(pixels(), verbose=0))
    out = run_fresh_python(f"""
import numpy as np, keras
import blur_keras
model = keras.saving.load_model({str(path)!r}, safe_mode=True)
got = model.predict(np.load({str(tmp_path / "pixels.npy")!r}), verbose=0)
print(type(model.layers[1]).__name__, np.array_equal(got, np.load({str(tmp_path / "expected.npy")!r})))
""")
    assert out.split() == ["PixelStandardization", "True"]


def test_include_preprocessing_must_be_a_bool():
    with pytest.raises(zoo.PresetError, match="include_preprocessing must be True or False"):
        zoo.load(DETERMINISTIC, include_preprocessing="no")


def test_a_card_with_another_scaling_is_refused():
    from blur_keras.zoo.preprocessing import with_preprocessing
    card = zoo.card(DETERMINISTIC)
    card["preprocessing"]["scaling"] = "pixels / 65535"
    bare = zoo.load(DETERMINISTIC, include_preprocessing=False, compile=False)
    with pytest.raises(zoo.PresetError, match="include_preprocessing=False"):
        with_preprocessing(bare, card)


@pytest.mark.parametrize("name", zoo.names())
def test_each_shipped_readme_is_its_card_in_the_current_template_and_says_what_input_it_takes(
        name):
    from blur_keras.publishing.card_readme import card_readme
    directory = os.path.join(shipped_zoo_directory(), name)
    with open(os.path.join(directory, "metadata.json")) as f:
        card = json.load(f)
    with open(os.path.join(directory, "README.md")) as f:
        readme = f.read()
    assert readme == card_readme(card)
    assert "takes raw pixels: shape (28, 28, 1), uint8 or float values in [0, 255] (not [0, 1]" \
        in readme
    assert "include_preprocessing=False" in readme
