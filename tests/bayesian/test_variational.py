import os
import subprocess
import sys

import numpy as np
import pytest
import keras
import tensorflow as tf

from blur_keras.bayesian import (
    Conv2DFlipout, Conv2DReparameterization, DenseFlipout, DenseReparameterization, NormalPrior,
    tfp_distributions)
from blur_keras.layers import set_monte_carlo
from tests.test_case import random_input, run_fresh_python, run_layer_test, to_numpy

pytestmark = pytest.mark.tensorflow_only


@keras.saving.register_keras_serializable(package="blur_keras_tests")
class LaplacePrior:
    """A prior without an analytic KL to a Normal posterior."""

    def __call__(self, shape, dtype):
        tfd = tfp_distributions()
        return tfd.Independent(tfd.Laplace(tf.zeros(shape, dtype), 1.0), len(shape))

    def get_config(self):
        return {}


@pytest.mark.parametrize("cls,kwargs,out_shape", [
    (DenseFlipout, {"units": 4}, (2, 5, 5, 4)),
    (DenseReparameterization, {"units": 4}, (2, 5, 5, 4)),
    (Conv2DFlipout, {"filters": 3, "kernel_size": 3, "padding": "same"}, (2, 5, 5, 3)),
    (Conv2DReparameterization, {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 2, 2, 3)),
])
def test_standard_layer_checks(cls, kwargs, out_shape, tmp_path):
    run_layer_test(cls, {**kwargs, "kl_weight": 0.01, "seed": 1}, (2, 5, 5, 3), out_shape,
                   str(tmp_path))


def test_kl_matches_closed_form():
    layer = DenseReparameterization(3, posterior_scale_init=0.05)
    layer.build((None, 4))
    layer.kernel_loc.assign(np.full((4, 3), 0.3, "float32"))
    mu, s = 0.3, 0.05
    expected = 12 * (np.log(1 / s) + (s**2 + mu**2) / 2 - 0.5)
    assert float(layer.kl_divergence()) == pytest.approx(expected, rel=1e-5)
    wide = DenseReparameterization(3, prior=NormalPrior(scale=2.0), posterior_scale_init=0.05)
    wide.build((None, 4))
    expected = float(np.sum(np.log(2.0 / s) + (s**2 + to_numpy(wide.kernel_loc) ** 2) / 8 - 0.5))
    assert float(wide.kl_divergence()) == pytest.approx(expected, rel=1e-4)


def test_kl_is_added_in_training_scaled_by_kl_weight():
    layer = DenseFlipout(3, kl_weight=0.5)
    x = random_input((2, 4))
    layer(x, training=True)
    assert len(layer.losses) == 1
    assert float(layer.losses[0]) == pytest.approx(0.5 * float(layer.kl_divergence()), rel=1e-5)
    layer(x, training=False)
    assert layer.losses == []


@pytest.mark.slow                  # ~6 s of sampling
def test_sampled_kl_for_prior_without_closed_form():
    layer = DenseFlipout(2, prior=LaplacePrior(), posterior_scale_init=0.5)
    layer.build((None, 3))
    estimates = [float(layer.kl_divergence()) for _ in range(400)]
    # Reference by numpy Monte Carlo: E_q[log q(w) - log p(w)].
    mu, s = to_numpy(layer.kernel_loc), 0.5
    w = mu + s * np.random.default_rng(0).normal(size=(20000,) + mu.shape)
    log_q = -0.5 * ((w - mu) / s) ** 2 - np.log(s * np.sqrt(2 * np.pi))
    log_p = -np.abs(w) - np.log(2.0)
    expected = np.mean(np.sum(log_q - log_p, axis=(1, 2)))
    assert np.mean(estimates) == pytest.approx(expected, abs=0.15)


@pytest.mark.parametrize("cls,shape", [(DenseFlipout, (4, 6)), (Conv2DFlipout, (2, 6, 6, 3)),
                                       (DenseReparameterization, (4, 6))])
def test_gradients_reach_posterior_mean_and_scale(cls, shape):
    layer = cls(5) if "Dense" in cls.__name__ else cls(5, 3)
    x = tf.constant(random_input(shape))
    with tf.GradientTape() as tape:
        y = layer(x, training=True)
        loss = tf.reduce_sum(y ** 2) + tf.add_n(layer.losses)
    grads = tape.gradient(loss, [layer.kernel_loc.value, layer.kernel_rho.value])
    for grad in grads:
        assert grad is not None and np.all(np.isfinite(grad)) and np.any(grad.numpy() != 0)


@pytest.mark.slow                  # ~13 s: 2,000 samples
def test_flipout_samples_vary_around_the_mean_and_switch_off():
    layer = DenseFlipout(3, posterior_scale_init=0.2, seed=3)
    x = random_input((1, 8))
    samples = np.stack([to_numpy(layer(x)) for _ in range(2000)])
    mean = to_numpy(x @ to_numpy(layer.kernel_loc) + to_numpy(layer.bias))
    assert samples.std(axis=0).min() > 0.1
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.06)
    set_monte_carlo(layer, False)
    np.testing.assert_allclose(to_numpy(layer(x)), mean, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.real_data
def test_bnn_trains_on_real_fashion_mnist_subset():
    from blur_keras.data import load
    keras.utils.set_random_seed(0)
    train = load("fashion_mnist", "train", batch_size=64, training=False, subset=3000,
                 download=False)
    test = load("fashion_mnist", "test", batch_size=500, training=False, subset=1000,
                download=False)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        Conv2DFlipout(16, 3, strides=2, kl_weight=1 / 3000), keras.layers.ReLU(),
        Conv2DFlipout(32, 3, strides=2, kl_weight=1 / 3000), keras.layers.ReLU(),
        keras.layers.GlobalAveragePooling2D(),
        DenseFlipout(10, kl_weight=1 / 3000),
    ])
    model.compile(keras.optimizers.Adam(1e-2),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    accuracy = model.evaluate(test, verbose=0, return_dict=True)["accuracy"]
    assert accuracy > 0.55, accuracy   # chance is 0.10


@pytest.mark.parametrize("kwargs,message", [
    ({"kl_weight": -1.0}, "kl_weight"),
    ({"posterior_scale_init": 0.0}, "posterior_scale_init"),
    ({"prior": "normal"}, "prior must be a callable"),
    ({"units": 0}, "units"),
    ({"mc_active": 1}, "mc_active must be True or False"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DenseFlipout(**{"units": 3, **kwargs})
    with pytest.raises(ValueError, match="scale must be > 0"):
        NormalPrior(scale=0)


def _run(code, **env):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env})
    return result


@pytest.mark.slow
def test_package_works_without_tfp_and_bayesian_parts_raise_one_clear_error():
    code = """
import sys
sys.modules["tensorflow_probability"] = None   # as if TFP cannot be imported
import blur_keras
from blur_keras import models, bayesian
models.get("resnet_mcdo_smoothing_18", input_shape=(16, 16, 3))
assert "tensorflow_probability" not in [m for m in sys.modules if sys.modules[m] is not None]
try:
    bayesian.DenseFlipout(3)
except ImportError as error:
    print("ERROR:", error)
"""
    result = _run(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ERROR: blur_keras.bayesian needs TensorFlow Probability" in result.stdout
    assert "tensorflow-probability[tf]" in result.stdout


@pytest.mark.slow
def test_non_tensorflow_backend_is_a_clear_error():
    result = _run("from blur_keras.bayesian import DenseFlipout\n"
                  "try:\n    DenseFlipout(3)\nexcept RuntimeError as e:\n    print('ERROR:', e)",
                  KERAS_BACKEND="jax")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "needs the TensorFlow backend" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("cls", [DenseFlipout, DenseReparameterization])
def test_switched_off_stays_off_once_saved_and_loaded_in_a_new_process(cls, tmp_path):
    model = keras.Sequential([keras.Input((4,)), cls(3, posterior_scale_init=0.5)])
    set_monte_carlo(model, False)
    path = tmp_path / "posterior_mean.keras"
    model.save(path)
    out = run_fresh_python(f"""
import numpy as np, keras
import blur_keras.bayesian, blur_keras.layers
model = keras.saving.load_model({str(path)!r})
x = np.ones((2, 4), "float32")
print([layer.mc_active for layer in blur_keras.layers.monte_carlo_layers(model)])
print(np.array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0)))
""")
    assert out.split() == ["[False]", "True"]
