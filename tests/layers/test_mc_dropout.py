import numpy as np
import pytest
import keras

from blur_keras.layers import MCDropout, monte_carlo_disabled, set_monte_carlo
from tests.test_case import run_fresh_python, run_layer_test, to_numpy


def test_standard_layer_checks(tmp_path):
    run_layer_test(MCDropout, {"rate": 0.3, "seed": 3}, (2, 5, 5, 3), (2, 5, 5, 3),
                   str(tmp_path))


def _model():
    return keras.Sequential([keras.Input((16,)), keras.layers.Dense(32),
                             MCDropout(0.5, seed=7), keras.layers.Dense(4)])


def test_stochastic_at_inference():
    model = _model()
    x = np.ones((4, 16), "float32")
    first, second = to_numpy(model(x)), to_numpy(model(x))
    assert not np.allclose(first, second)
    assert not np.allclose(to_numpy(model.predict(x, verbose=0)),
                           to_numpy(model.predict(x, verbose=0)))


def test_deterministic_when_switched_off():
    model = _model()
    x = np.ones((4, 16), "float32")
    stochastic = to_numpy(model.predict(x, verbose=0))  # traces the predict function
    with monte_carlo_disabled(model):
        a = to_numpy(model.predict(x, verbose=0))
        b = to_numpy(model(x))
        np.testing.assert_allclose(a, b, rtol=1e-6)
        np.testing.assert_allclose(a, to_numpy(model.predict(x, verbose=0)))
    assert not np.allclose(stochastic, a)
    assert not np.allclose(to_numpy(model.predict(x, verbose=0)), a)   # restored
    assert set_monte_carlo(model, False) == 1
    np.testing.assert_allclose(to_numpy(model(x)), a, rtol=1e-6)


def test_switched_off_still_drops_in_training():
    layer = MCDropout(0.5, seed=1)
    set_monte_carlo(layer, False)
    x = np.ones((1, 64), "float32")
    assert np.all(to_numpy(layer(x)) == 1)
    assert np.any(to_numpy(layer(x, training=True)) == 0)


def test_scaling_preserves_mean():
    x = np.ones((1, 20000), "float32")
    y = to_numpy(MCDropout(0.3, seed=2)(x))
    assert abs(y.mean() - 1) < 0.03
    assert abs((y == 0).mean() - 0.3) < 0.02


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.3", True])
def test_invalid_rate_raises(rate):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        MCDropout(rate)


def test_invalid_seed_raises():
    with pytest.raises(ValueError, match="seed"):
        MCDropout(0.1, seed=1.5)


@pytest.mark.slow
def test_switched_off_stays_off_once_saved_and_loaded_in_a_new_process(tmp_path):
    model = _model()
    set_monte_carlo(model, False)
    path = tmp_path / "deterministic.keras"
    model.save(path)
    out = run_fresh_python(f"""
import numpy as np, keras
import blur_keras.layers
model = keras.saving.load_model({str(path)!r})
x = np.ones((4, 16), "float32")
print([layer.mc_active for layer in blur_keras.layers.monte_carlo_layers(model)])
print(np.array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0)))
""")
    assert out.split() == ["[False]", "True"]
    set_monte_carlo(model, True)
    assert MCDropout.from_config(model.layers[1].get_config()).mc_active is True


def test_invalid_mc_active_raises():
    with pytest.raises(ValueError, match="mc_active must be True or False"):
        MCDropout(0.1, mc_active="no")
