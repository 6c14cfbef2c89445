"""Why spatial smoothing helps: the paper's mechanism analyses, for any model of the zoo.

- `feature_map_variance`: model and data uncertainty of the feature maps per block (Fig. 5).
- `fourier_log_amplitude`: log amplitude of feature maps from frequency 0 to pi (Fig. 6).
- `hessian_max_eigenvalues`, `hessian_eigenvalue_density`: the Hessian spectrum of the
  training loss (Fig. 8; TensorFlow backend).
- `loss_landscape`: the NLL on two filter-normalised random directions (Fig. 7).
- `run_analysis`: one of them on a dataset, written as a figure and a JSON file (the API of
  `python -m blur_keras.analysis`).
"""

from blur_keras.analysis.fourier import fourier_log_amplitude
from blur_keras.analysis.hessian import (
    hessian_eigenvalue_density, hessian_max_eigenvalues, lanczos_quadrature, nll,
    power_iteration, spectral_density)
from blur_keras.analysis.landscape import (
    DEFAULT_GRID, NORMALIZATIONS, landscape_directions, loss_landscape)
from blur_keras.analysis.run import ANALYSES, check_options, run_analysis
from blur_keras.analysis.taps import feature_maps, tapped_layer_names
from blur_keras.analysis.variance import feature_map_variance

__all__ = [
    "ANALYSES", "DEFAULT_GRID", "NORMALIZATIONS", "check_options", "feature_map_variance",
    "feature_maps", "fourier_log_amplitude", "hessian_eigenvalue_density",
    "hessian_max_eigenvalues", "lanczos_quadrature", "landscape_directions", "loss_landscape",
    "nll", "power_iteration", "run_analysis", "spectral_density", "tapped_layer_names",
]
