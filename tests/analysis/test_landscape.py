import numpy as np
import pytest
import keras
from scipy.special import log_softmax

from blur_keras.analysis import landscape_directions, loss_landscape
from blur_keras.layers import MCDropout


def small_model(dropout=0.0):
    layers = [keras.Input((8, 8, 2)), keras.layers.Conv2D(4, 3, name="conv"),
              keras.layers.BatchNormalization(name="bn"), keras.layers.ReLU()]
    if dropout:
        layers.append(MCDropout(dropout, seed=5))
    layers += [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, name="dense")]
    model = keras.Sequential(layers)
    # Non-trivial BN statistics, so a landscape that moved them would show.
    model.get_layer("bn").set_weights([np.full(4, 1.5), np.full(4, 0.1), np.full(4, 0.2),
                                       np.full(4, 2.0)])
    return model


def data(seed=0, n=6):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 8, 8, 2)).astype("float32"), rng.integers(0, 3, n)


def numpy_nll(model, x, y):
    logits = np.asarray(model.predict_on_batch(x), np.float64)
    return float(-log_softmax(logits, axis=-1)[np.arange(len(y)), y].mean())


def slice_norms(array, axes):
    return np.sqrt(np.sum(np.square(array.astype(np.float64)), axis=axes))


# Axes summed over for one norm: per filter (output channel) or across the output channels.
@pytest.mark.parametrize("normalization, axes", [
    ("filter", {4: (0, 1, 2), 2: (0,)}), ("reference", {4: (3,), 2: (1,)})])
def test_directions_have_the_weights_norms_and_skip_1d_weights(normalization, axes):
    model = small_model()
    first, second = landscape_directions(model, seed=1, normalization=normalization)
    for variable, d1, d2 in zip(model.trainable_variables, first, second):
        weight = keras.ops.convert_to_numpy(variable)
        assert d1.shape == weight.shape and d1.dtype == np.float32
        if weight.ndim < 2:   # BN gamma/beta and the dense bias stay put
            assert not d1.any() and not d2.any()
            continue
        np.testing.assert_allclose(slice_norms(d1, axes[weight.ndim]),
                                   slice_norms(weight, axes[weight.ndim]), rtol=1e-5)
        assert not np.allclose(d1, d2)
    again = landscape_directions(model, seed=1, normalization=normalization)
    np.testing.assert_array_equal(again[0][0], first[0])
    with pytest.raises(ValueError, match="Unknown normalization"):
        landscape_directions(model, normalization="layer")


def test_known_landscape_along_given_directions():
    # logits = (a, b) at grid point (a, b): the NLL of label 0 is softplus(b - a).
    model = keras.Sequential([keras.Input((1,)),
                              keras.layers.Dense(2, use_bias=False, kernel_initializer="zeros")])
    grid = np.linspace(-1.0, 1.0, 5)
    directions = [[np.array([[1.0, 0.0]])], [np.array([[0.0, 1.0]])]]
    losses = loss_landscape(model, [(np.ones((1, 1), "float32"), np.array([0]))], grid,
                            directions=directions)
    expected = np.logaddexp(0.0, grid[None, :] - grid[:, None])
    np.testing.assert_allclose(losses, expected, rtol=1e-6)


def test_centre_is_the_models_own_loss_and_weights_are_restored():
    model = small_model()
    (x, y), (x2, y2) = data(0), data(1)
    before = [w.copy() for w in model.get_weights()]
    losses = loss_landscape(model, [(x, y), (x2, y2)], np.linspace(-0.2, 0.2, 3), seed=3)
    expected = (numpy_nll(model, x, y) + numpy_nll(model, x2, y2)) / 2
    assert losses[1, 1] == pytest.approx(expected, rel=1e-6)
    assert np.ptp(losses) > 1e-4   # the other points moved the weights
    for saved, restored in zip(before, model.get_weights()):
        np.testing.assert_array_equal(saved, restored)
    again = loss_landscape(model, [(x, y), (x2, y2)], np.linspace(-0.2, 0.2, 3), seed=3)
    np.testing.assert_array_equal(again, losses)


def test_interrupted_landscape_restores_weights_and_random_state():
    model, twin = small_model(dropout=0.5), small_model(dropout=0.5)
    twin.set_weights(model.get_weights())
    x, y = data(2)
    visited = []

    def stop_at_the_fourth_point(i, j, loss):
        visited.append((i, j))
        if len(visited) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        loss_landscape(model, [(x, y)], np.linspace(-0.5, 0.5, 3),
                       callback=stop_at_the_fourth_point)
    assert visited == [(0, 0), (0, 1), (0, 2), (1, 0)]
    # Same weights and same dropout masks as an untouched twin.
    np.testing.assert_array_equal(model.predict_on_batch(x), twin.predict_on_batch(x))


def test_mc_dropout_centre_uses_the_initial_masks():
    model, twin = small_model(dropout=0.5), small_model(dropout=0.5)
    twin.set_weights(model.get_weights())
    x, y = data(3)
    losses = loss_landscape(model, [(x, y)], np.linspace(-0.1, 0.1, 3))
    assert losses[1, 1] == pytest.approx(numpy_nll(twin, x, y), rel=1e-6)


def test_errors():
    model = small_model()
    x, y = data()
    with pytest.raises(ValueError, match="grid must be a non-empty 1-D"):
        loss_landscape(model, [(x, y)], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="directions must be two lists"):
        loss_landscape(model, [(x, y)], [0.0], directions=[[np.zeros(3)], [np.zeros(3)]])
    with pytest.raises(ValueError, match="dataset is empty"):
        loss_landscape(model, [], [0.0])
