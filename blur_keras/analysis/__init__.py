"""Why spatial smoothing helps: the paper's mechanism analyses, for any model of the zoo.

- `feature_map_variance`: model and data uncertainty of the feature maps per block (Fig. 5).
- `fourier_log_amplitude`: log amplitude of feature maps from frequency 0 to pi (Fig. 6).
- `hessian_max_eigenvalues`, `hessian_eigenvalue_density`: the Hessian spectrum of the
  training loss (Fig. 8; TensorFlow backend).
- `loss_landscape`: the NLL on two filter-normalised random directions (Fig. 7).
- `run_analysis`: one of them on a dataset, written as a figure and a JSON file (the API of
  `python -m blur_keras.analysis`).
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "ANALYSES": "run",
    "DEFAULT_GRID": "landscape",
    "NORMALIZATIONS": "landscape",
    "check_options": "run",
    "feature_map_variance": "variance",
    "feature_maps": "taps",
    "fourier_log_amplitude": "fourier",
    "hessian_eigenvalue_density": "hessian",
    "hessian_max_eigenvalues": "hessian",
    "lanczos_quadrature": "hessian",
    "landscape_directions": "landscape",
    "loss_landscape": "landscape",
    "nll": "hessian",
    "power_iteration": "hessian",
    "run_analysis": "run",
    "spectral_density": "hessian",
    "tapped_layer_names": "taps",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
