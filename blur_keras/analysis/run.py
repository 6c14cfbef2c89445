"""`run_analysis`: one analysis of a model on a dataset, written as a figure and a JSON file.

The API behind `python -m blur_keras.analysis`.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
import keras

from blur_keras import plots
from blur_keras.analysis.fourier import fourier_log_amplitude
from blur_keras.analysis.hessian import (
    check_backend, hessian_eigenvalue_density, hessian_max_eigenvalues, spectral_density)
from blur_keras.analysis.landscape import NORMALIZATIONS, loss_landscape
from blur_keras.analysis.taps import check_layer_names, feature_maps, tapped_layer_names
from blur_keras.analysis.variance import feature_map_variance
from blur_keras.json_output import write_json

#: variance and fourier use test images; hessian, spectrum and landscape the training split.
ANALYSES = ("variance", "fourier", "hessian", "spectrum", "landscape")


def check_options(analysis: str, *, batch_size: int = 128, num_samples: int = 10,
                  num_batches: int = 10, iterations: int = 20, num_steps: int = 30,
                  num_probes: int = 1, grid_size: int = 21, grid_range: float = 0.1,
                  normalization: str = "filter", subset: int | None = None) -> dict:
    """Validates the options of `run_analysis` before any data is read or computed.

    Args:
        analysis: one of `ANALYSES`.
        batch_size, num_samples, num_batches, iterations, num_steps, num_probes,
            grid_size, grid_range, normalization, subset: as in `run_analysis`.

    Returns:
        The options as a dict (recorded in the JSON output).

    Raises:
        ValueError: what is wrong and what is expected.
    """
    if analysis not in ANALYSES:
        raise ValueError(f"analysis must be one of {ANALYSES}; received {analysis!r}.")
    options = dict(batch_size=batch_size, num_samples=num_samples, num_batches=num_batches,
                   iterations=iterations, num_steps=num_steps, num_probes=num_probes,
                   grid_size=grid_size, grid_range=grid_range, normalization=normalization,
                   subset=subset)
    minimum = {"batch_size": 1, "num_samples": 2, "num_batches": 1, "iterations": 1,
               "num_steps": 1, "num_probes": 1, "grid_size": 2, "subset": 1}
    for name, low in minimum.items():
        value = options[name]
        if name == "subset" and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}; received {value!r}.")
    if isinstance(grid_range, bool) or not isinstance(grid_range, (int, float)) \
            or not 0 < grid_range < float("inf"):
        raise ValueError(f"grid_range must be a positive number; received {grid_range!r}.")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}; received "
                         f"{normalization!r}.")
    if analysis in ("hessian", "spectrum"):
        check_backend()
    return options


def _test_images(dataset: str, count: int, data_dir: str | None, download: bool) -> np.ndarray:
    """The first `count` test images, normalised as `blur_keras.data` does."""
    from blur_keras.data import get_spec, load_arrays
    from blur_keras.data.transforms import normalize
    images, _ = load_arrays(dataset, "test", data_dir=data_dir, subset=count, download=download)
    return np.asarray(normalize(images, get_spec(dataset)))


def _train_batches(dataset: str, batch_size: int, subset: int | None, augment: bool, seed: int,
                   data_dir: str | None, download: bool, drop_remainder: bool) -> list:
    """Training batches (with the training-time augmentation when `augment`), read once."""
    from blur_keras.data import load
    ds = load(dataset, "train", batch_size=batch_size, training=augment, seed=seed,
              subset=subset, data_dir=data_dir, download=download,
              drop_remainder=drop_remainder)
    return list(ds.as_numpy_iterator())


def run_analysis(model: keras.Model, analysis: str, output_dir: str,
                 dataset: str = "fashion_mnist", *, batch_size: int = 128,
                 num_samples: int = 10, layer_names: Sequence[str] | None = None,
                 num_batches: int = 10, iterations: int = 20, num_steps: int = 30,
                 num_probes: int = 1, grid_size: int = 21, grid_range: float = 0.1,
                 normalization: str = "filter", subset: int | None = None,
                 augment: bool = True, seed: int = 0, data_dir: str | None = None,
                 download: bool = False, label: str | None = None,
                 progress: bool = True) -> dict:
    """Runs one analysis and writes `<analysis>.png` and `<analysis>.json` to `output_dir`.

    - `variance`: `feature_map_variance` on the first `batch_size` test images
      with `num_samples` executions.
    - `fourier`: `fourier_log_amplitude` of every tapped layer on the first
      `batch_size` test images (one execution).
    - `hessian`: `hessian_max_eigenvalues` on `num_batches` training batches
      of `batch_size`, `iterations` power-iteration steps each.
    - `spectrum`: `hessian_eigenvalue_density` of the mean loss over
      `num_batches` training batches (`num_steps` Lanczos steps, `num_probes`
      probes).
    - `landscape`: `loss_landscape` on a `grid_size` x `grid_size` grid over
      `[-grid_range, grid_range]^2`, on the first `subset` training examples
      (all when `None`).

    Training batches get the training-time augmentation (`augment=True`),
    drawn once with `seed`; every image is normalised with the dataset's
    mean and std, as `blur_keras.data` does.

    Args:
        model: a Keras model that outputs logits, for `dataset`'s images.
        analysis: one of `ANALYSES`.
        output_dir: where the figure and the JSON go (created if missing).
        dataset: a `blur_keras.data.DATASETS` name.
        batch_size: test images (variance, fourier) or batch size (the rest).
        num_samples: executions for `variance`.
        layer_names: tapped layers for variance/fourier; default every block
            output and smoothing layer.
        num_batches: mini-batches for `hessian` and `spectrum`.
        iterations: power-iteration steps for `hessian`.
        num_steps: Lanczos steps for `spectrum`.
        num_probes: probe vectors for `spectrum`.
        grid_size: points per direction for `landscape` (odd keeps the centre).
        grid_range: the grid spans `[-grid_range, grid_range]`.
        normalization: the landscape directions' `"filter"` or `"reference"`.
        subset: training examples for `landscape`; `None` for all.
        augment: training-time augmentation of the training batches.
        seed: seed of everything random (data, directions, probes, dropout).
        data_dir: tfds data_dir / directory of IDX files.
        download: let tfds download missing data.
        label: the model's name in titles and legends; default `model.name`.
        progress: show progress bars.

    Returns:
        `{"result": the numbers written to the JSON, "paths": {"figure", "json"}}`.

    Raises:
        ValueError: a bad option, a layer the model lacks, or a model whose
            input does not fit the dataset.
        FileNotFoundError: the data cannot be found.

    Example:

    >>> run_analysis(model, "variance", "analysis_output", num_samples=10)
    """
    from blur_keras.data import get_spec
    options = check_options(
        analysis, batch_size=batch_size, num_samples=num_samples, num_batches=num_batches,
        iterations=iterations, num_steps=num_steps, num_probes=num_probes,
        grid_size=grid_size, grid_range=grid_range, normalization=normalization,
        subset=subset)
    spec = get_spec(dataset)
    if tuple(model.input_shape[1:]) != tuple(spec.image_shape):
        raise ValueError(f"Model {model.name!r} takes inputs of shape {model.input_shape[1:]}, "
                         f"but {dataset} images are {spec.image_shape}.")
    if analysis in ("variance", "fourier"):
        layer_names = check_layer_names(model, layer_names) if layer_names is not None \
            else tapped_layer_names(model)
    label = label or model.name
    keras.utils.set_random_seed(seed)
    train = dict(batch_size=batch_size, augment=augment, seed=seed, data_dir=data_dir,
                 download=download)

    os.makedirs(output_dir, exist_ok=True)
    paths = {"figure": os.path.join(output_dir, f"{analysis}.png"),
             "json": os.path.join(output_dir, f"{analysis}.json")}
    if analysis == "variance":
        images = _test_images(dataset, batch_size, data_dir, download)
        result = feature_map_variance(model, images, num_samples, layer_names,
                                      progress=progress)
        plots.uncertainty_by_layer({label: result}, title=f"{label}: feature-map uncertainty",
                                   path=paths["figure"])
    elif analysis == "fourier":
        images = _test_images(dataset, batch_size, data_dir, download)
        maps = feature_maps(model, images, layer_names)
        curves = {name: fourier_log_amplitude(m) for name, m in maps.items()}
        result = {name: {"frequency_over_pi": (f / np.pi).tolist(), "log_amplitude": a.tolist()}
                  for name, (f, a) in curves.items()}
        plots.log_amplitude_curves(curves, title=f"{label}: Fourier log amplitude",
                                   path=paths["figure"])
    elif analysis == "hessian":
        batches = _train_batches(dataset, subset=num_batches * batch_size,
                                 drop_remainder=True, **train)
        values = hessian_max_eigenvalues(model, batches, num_batches, iterations, seed=seed,
                                         progress=progress)
        result = {"eigenvalues": values.tolist(), "mean": float(values.mean()),
                  "median": float(np.median(values)), "max": float(values.max())}
        plots.max_eigenvalue_density(
            {label: values}, title=f"largest Hessian eigenvalue, batches of {batch_size}",
            path=paths["figure"])
    elif analysis == "spectrum":
        batches = _train_batches(dataset, subset=num_batches * batch_size,
                                 drop_remainder=True, **train)
        nodes, weights = hessian_eigenvalue_density(model, batches, num_batches, num_steps,
                                                    num_probes, seed=seed, progress=progress)
        result = {"nodes": nodes.tolist(), "weights": weights.tolist(),
                  "min": float(nodes.min()), "max": float(nodes.max())}
        plots.hessian_spectrum({label: spectral_density(nodes, weights)},
                               title="Hessian eigenvalue density", path=paths["figure"])
    else:
        batches = _train_batches(dataset, subset=subset, drop_remainder=False, **train)
        grid = np.linspace(-grid_range, grid_range, grid_size)
        losses = loss_landscape(model, batches, grid, seed=seed, normalization=normalization,
                                progress=progress)
        result = {"grid": grid.tolist(), "losses": losses.tolist(),
                  "center": float(losses[grid_size // 2, grid_size // 2])
                  if grid_size % 2 else None}
        plots.loss_landscape_contour(grid, losses, title=f"{label}: NLL landscape",
                                     path=paths["figure"])
    config = {"model": label, "analysis": analysis, "dataset": dataset, "seed": seed,
              "augment": augment, **options}
    write_json(paths["json"], {"config": config, "result": result})
    return {"result": result, "paths": paths}
