"""One figure that puts the same analysis of several models side by side."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from blur_keras import plots
from blur_keras.analysis.hessian import spectral_density

_TITLES = {
    "variance": "feature-map uncertainty",
    "fourier": "Fourier log amplitude",
    "hessian": "largest Hessian eigenvalue per mini-batch",
    "spectrum": "Hessian eigenvalue density",
    "landscape": "NLL landscape",
}


def comparison_figure(analysis: str, results: Mapping[str, dict], path: str | None = None):
    """Draws `analysis` for several models in one figure.

    Args:
        analysis: one of `blur_keras.analysis.ANALYSES`.
        results: `{model label: the "result" of run_analysis (or of its JSON)}`,
            in the order the models should appear.
        path: optional PNG path to save to.

    Returns:
        The matplotlib `Figure`: overlaid curves (variance, fourier, hessian,
        spectrum), or one landscape panel per model with shared contour levels.

    Raises:
        ValueError: an unknown analysis or no results.

    Example:

    >>> comparison_figure("variance", {"MC dropout": a, "+ smoothing": b}, "variance.png")
    """
    if analysis not in _TITLES:
        raise ValueError(f"analysis must be one of {tuple(_TITLES)}; received {analysis!r}.")
    if not results:
        raise ValueError("comparison_figure needs the results of at least one model.")
    title = f"{_TITLES[analysis]}: " + " vs ".join(results)
    if analysis == "variance":
        return plots.uncertainty_by_layer(dict(results), title=title, path=path)
    if analysis == "fourier":
        curves = {f"{label}: {layer}": (np.pi * np.asarray(v["frequency_over_pi"]),
                                        np.asarray(v["log_amplitude"]))
                  for label, layers in results.items() for layer, v in layers.items()}
        return plots.log_amplitude_curves(curves, title=title, path=path)
    if analysis == "hessian":
        return plots.max_eigenvalue_density(
            {label: np.asarray(r["eigenvalues"]) for label, r in results.items()},
            title=title, path=path)
    if analysis == "spectrum":
        return plots.hessian_spectrum(
            {label: spectral_density(np.asarray(r["nodes"]), np.asarray(r["weights"]))
             for label, r in results.items()}, title=title, path=path)
    grids = [np.asarray(r["grid"]) for r in results.values()]
    if any(g.shape != grids[0].shape or not np.allclose(g, grids[0]) for g in grids):
        raise ValueError("Landscapes drawn side by side need the same grid.")
    return plots.loss_landscape_contour(
        grids[0], {label: r["losses"] for label, r in results.items()}, title=title, path=path)
