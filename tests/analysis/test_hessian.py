import numpy as np
import pytest
import keras

from blur_keras.analysis import (
    hessian_eigenvalue_density, hessian_max_eigenvalues, lanczos_quadrature, power_iteration,
    spectral_density)
from blur_keras.layers import MCDropout


def diagonal(values):
    values = np.asarray(values, "float32")
    return lambda vector: values * vector


def test_power_iteration_finds_the_eigenvalue_of_largest_magnitude():
    assert power_iteration(diagonal([1, 4, 9, -2]), 4, iterations=100, tolerance=1e-7) \
        == pytest.approx(9, rel=1e-4)
    assert power_iteration(diagonal([1, -10, 3]), 3, iterations=100, tolerance=1e-7) \
        == pytest.approx(-10, rel=1e-4)
    assert power_iteration(diagonal([0, 0]), 2) == 0.0
    with pytest.raises(ValueError, match="iterations must be an integer >= 1"):
        power_iteration(diagonal([1]), 1, iterations=0)


@pytest.mark.parametrize("num_steps, num_probes", [(4, 1), (10, 1), (4, 3)])
def test_lanczos_quadrature_recovers_a_known_spectrum(num_steps, num_probes):
    eigenvalues = [1.0, 2.0, 5.0, 10.0]
    nodes, weights = lanczos_quadrature(diagonal(eigenvalues), 4, num_steps, num_probes)
    # Every Rademacher probe weighs each eigenvector by exactly 1/4.
    np.testing.assert_allclose(nodes, np.tile(eigenvalues, num_probes), rtol=1e-5)
    np.testing.assert_allclose(weights, 1 / (4 * num_probes), rtol=1e-5)


def test_spectral_density_puts_the_mass_at_the_eigenvalues():
    nodes, weights = lanczos_quadrature(diagonal([1.0, 2.0, 5.0, 10.0]), 4, 4)
    grid, density = spectral_density(nodes, weights)
    step = grid[1] - grid[0]
    assert density.sum() * step == pytest.approx(1.0)
    for eigenvalue in (1.0, 2.0, 5.0, 10.0):
        near = np.abs(grid - eigenvalue) < 0.3
        assert density[near].sum() * step == pytest.approx(0.25, abs=1e-3)
    with pytest.raises(ValueError, match="one length"):
        spectral_density([1.0, 2.0], [1.0])


def rotation(seed=0):
    return np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))[0]


def quadratic_batch(eigenvalues, q):
    """Inputs X with X^T X / n = Q diag(eigenvalues) Q^T (n = 3 rows), targets 0."""
    x = np.sqrt(3.0) * np.diag(np.sqrt(eigenvalues)) @ q.T
    return x.astype("float32"), np.zeros(3, "float32")


def squared_error(labels, outputs):
    return 0.5 * keras.ops.mean(keras.ops.square(outputs[:, 0] - labels))


def linear_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])


tensorflow_only = pytest.mark.tensorflow_only


@tensorflow_only
def test_max_eigenvalue_of_a_quadratic_loss_per_batch():
    q = rotation()
    batches = [quadratic_batch([1.0, 4.0, 9.0], q), quadratic_batch([2.0, 3.0, 16.0], q)]
    values = hessian_max_eigenvalues(linear_model(), batches, iterations=100, tolerance=1e-7,
                                     loss=squared_error)
    np.testing.assert_allclose(values, [9.0, 16.0], rtol=1e-4)


@tensorflow_only
def test_max_eigenvalue_of_the_nll_of_softmax_regression():
    # At zero weights p = (1/2, 1/2): the Hessian is [[1, -1], [-1, 1]] / 4 (x) x x^T,
    # whose largest eigenvalue is |x|^2 / 2 = 12.5 for x = (3, 4).
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(2, use_bias=False, kernel_initializer="zeros")])
    x = np.array([[3.0, 4.0]] * 2, "float32")
    values = hessian_max_eigenvalues(model, [(x, np.array([0, 1]))], iterations=50)
    assert values[0] == pytest.approx(12.5, rel=1e-3)


@tensorflow_only
def test_mc_dropout_keeps_one_mask_per_batch():
    # One example, rate 0.5: the kept inputs are 2, so the eigenvalue is 2 * (units kept).
    model = keras.Sequential([keras.Input((4,)), MCDropout(0.5, seed=3),
                              keras.layers.Dense(2, use_bias=False, kernel_initializer="zeros")])
    batches = [(np.ones((1, 4), "float32"), np.array([0]))] * 6
    values = hessian_max_eigenvalues(model, batches, iterations=30, tolerance=1e-6)
    np.testing.assert_allclose(values / 2, np.round(values / 2), atol=1e-3)
    assert len(set(np.round(values, 3))) > 1   # each batch draws its own mask


@tensorflow_only
def test_eigenvalue_density_of_the_mean_quadratic_loss():
    q = rotation(1)
    batches = [quadratic_batch([1.0, 4.0, 9.0], q), quadratic_batch([2.0, 3.0, 16.0], q)]
    nodes, weights = hessian_eigenvalue_density(linear_model(), batches, num_batches=2,
                                                num_steps=3, loss=squared_error)
    np.testing.assert_allclose(np.sort(nodes), [1.5, 3.5, 12.5], rtol=1e-4)
    assert weights.sum() == pytest.approx(1.0)


@tensorflow_only
def test_errors():
    batch = quadratic_batch([1.0, 1.0, 1.0], np.eye(3))
    with pytest.raises(ValueError, match="holds 1 batches; num_batches=2"):
        hessian_max_eigenvalues(linear_model(), [batch], num_batches=2, loss=squared_error)
    frozen = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    frozen.trainable = False
    with pytest.raises(ValueError, match="no trainable weights"):
        hessian_max_eigenvalues(frozen, [batch], loss=squared_error)
