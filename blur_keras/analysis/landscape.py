"""Loss landscape on two filter-normalised random directions (the reference recipe, Fig. 7)."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np
import keras
from scipy.special import softmax

from blur_keras.random_state import assign_values, random_state_variables, read_values
from blur_keras.evaluation import numpy_batches
from blur_keras.metrics import nll

#: The reference grid: 21 x 21 points on [-0.1, 0.1]^2.
DEFAULT_GRID = tuple(np.linspace(-0.1, 0.1, 21))
#: `"filter"`: one norm per output channel (Li et al. 2018); `"reference"`: the reference
#: code's `torch.norm(dim=0)`, one norm per input position across the output channels.
NORMALIZATIONS = ("filter", "reference")
#: Added to a direction's norm before dividing, as in the reference code.
_EPSILON = 1e-7

Directions = Sequence[Sequence[np.ndarray]]


def _norm(array: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    return np.sqrt(np.sum(np.square(array), axis=axes, keepdims=True))


def landscape_directions(model: keras.Model, seed: int = 0,
                         normalization: str = "filter") -> list[list[np.ndarray]]:
    """Two random directions in the space of the trainable weights, scaled like the weights.

    Each direction holds one Gaussian tensor per trainable weight. A kernel
    (2-D or more: convolutions, dense layers) is rescaled so each slice has
    the norm of the same slice of the weight; every 1-D or scalar weight
    (BN gamma/beta, biases) is zero in the directions, so the landscape
    moves only the kernels. Keras kernels keep their output channels on the
    last axis (PyTorch: the first), so:

    - `"filter"`: one slice per output channel, i.e. per filter (filter
      normalisation, Li et al. 2018: what the paper describes);
    - `"reference"`: the reference code's `torch.norm(w, dim=0)`, which takes
      the norm *across* the output channels, one per input channel and
      kernel position.

    Args:
        model: a Keras model.
        seed: seed of the Gaussian draws.
        normalization: `"filter"` or `"reference"`.

    Returns:
        Two lists of float32 arrays, each matching `model.trainable_variables`.

    Example:

    >>> first, second = landscape_directions(model, seed=0)
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"Unknown normalization {normalization!r}: expected one of "
                         f"{NORMALIZATIONS}.")
    rng = np.random.default_rng(seed)
    weights = [np.asarray(keras.ops.convert_to_numpy(v), np.float64)
               for v in model.trainable_variables]
    directions = []
    for _ in range(2):
        direction = []
        for weight in weights:
            if weight.ndim < 2:
                direction.append(np.zeros(weight.shape, np.float32))
                continue
            axes = tuple(range(weight.ndim - 1)) if normalization == "filter" else (-1,)
            draw = rng.standard_normal(weight.shape)
            scale = _norm(weight, axes) / (_norm(draw, axes) + _EPSILON)
            direction.append((draw * scale).astype(np.float32))
        directions.append(direction)
    return directions


def _check_directions(model: keras.Model, directions: Directions) -> list[list[np.ndarray]]:
    shapes = [tuple(v.shape) for v in model.trainable_variables]
    checked = [[np.asarray(d, np.float32) for d in direction] for direction in directions]
    if len(checked) != 2 or any([d.shape for d in direction] != shapes for direction in checked):
        raise ValueError(f"directions must be two lists of arrays shaped like the model's "
                         f"trainable weights {shapes} (see landscape_directions).")
    return checked


def _check_grid(grid) -> np.ndarray:
    coordinates = np.asarray(grid, np.float64)
    if coordinates.ndim != 1 or coordinates.size == 0 or not np.all(np.isfinite(coordinates)):
        raise ValueError(f"grid must be a non-empty 1-D sequence of finite coordinates, e.g. "
                         f"np.linspace(-0.1, 0.1, 21); received {grid!r}.")
    return coordinates


def dataset_nll(model: keras.Model, batches: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """NLL of one forward pass per batch (MC layers: one sample), averaged over the examples."""
    total, count = 0.0, 0
    for images, labels in batches:
        logits = np.asarray(model.predict_on_batch(images), np.float64)
        labels = np.asarray(labels).reshape(-1).astype(np.int64)
        total += nll(softmax(logits, axis=-1), labels) * len(labels)
        count += len(labels)
    return total / count


def loss_landscape(model: keras.Model, dataset: Iterable, grid: Sequence[float] = DEFAULT_GRID,
                   directions: Directions | None = None, seed: int = 0,
                   normalization: str = "filter",
                   callback: Callable[[int, int, float], None] | None = None,
                   progress: bool = False) -> np.ndarray:
    """The NLL on a 2-D grid around the model's weights along two random directions.

    At grid point `(a, b)` the trainable weights are `w + a d1 + b d2`
    (`landscape_directions`) and the loss is the NLL of one forward pass over
    all of `dataset` (read once, so every point sees the same examples). The
    random-generator state is reset before every point, so MC dropout draws
    the same masks everywhere and the landscape changes with the weights
    alone (the reference draws new masks at each point; over a training set
    their effect averages out). The model's weights and random state are
    restored afterwards, also when the computation stops with an exception
    (e.g. a `KeyboardInterrupt`, or one raised by `callback`).

    Reference sample (ResNet-18 MC dropout, CIFAR-100, training set with
    augmentation): centre NLL .0128, corners .0200 to .0225.

    Args:
        model: a Keras model that outputs logits.
        dataset: batches of `(images, labels)`: a `tf.data.Dataset` or an iterable.
        grid: coordinates along each direction; the reference uses
            `np.linspace(-0.1, 0.1, 21)`.
        directions: two directions as returned by `landscape_directions`;
            default: drawn with `seed` and `normalization`.
        seed: seed of the random directions.
        normalization: `"filter"` or `"reference"` (see `landscape_directions`).
        callback: called as `callback(i, j, loss)` after each point.
        progress: show a progress bar over the grid points.

    Returns:
        A float64 array `losses[i, j]`: the NLL at `grid[i]` along the first
        direction and `grid[j]` along the second.

    Raises:
        ValueError: a bad grid, directions or normalization, or an empty dataset.

    Example:

    >>> train = blur_keras.data.load("fashion_mnist", "train", batch_size=256, training=True)
    >>> losses = loss_landscape(model, train.take(4), grid=np.linspace(-0.1, 0.1, 11))
    """
    coordinates = _check_grid(grid)
    directions = _check_directions(model, directions if directions is not None else
                                   landscape_directions(model, seed, normalization))
    batches = [(np.asarray(x), np.asarray(y)) for x, y in numpy_batches(dataset)]
    if not batches:
        raise ValueError("The dataset is empty: the landscape needs at least one batch.")
    variables = list(model.trainable_variables)
    moving = [k for k in range(len(variables))
              if directions[0][k].any() or directions[1][k].any()]
    originals = read_values(variables)
    random_state = random_state_variables(model)
    initial_state = read_values(random_state)
    losses = np.full((len(coordinates), len(coordinates)), np.nan)
    bar = keras.utils.Progbar(losses.size, verbose=1 if progress else 0, unit_name="point")
    try:
        for i, a in enumerate(coordinates):
            for j, b in enumerate(coordinates):
                for k in moving:
                    variables[k].assign(originals[k] + a * directions[0][k]
                                        + b * directions[1][k])
                assign_values(random_state, initial_state)
                losses[i, j] = dataset_nll(model, batches)
                bar.add(1)
                if callback is not None:
                    callback(i, j, float(losses[i, j]))
    finally:
        assign_values(variables, originals)
        assign_values(random_state, initial_state)
    return losses
