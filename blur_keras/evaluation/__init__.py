"""Evaluation at several ensemble sizes: metrics of the mean of the first N Monte Carlo samples.

`evaluate_ensemble_sizes(model, dataset)` scores a model at every N in one
pass; `format_table` and `write_outputs` print and save the results.
Command line: `python -m blur_keras.evaluation`. Names are imported on
first use, so that the program can start TensorFlow quietly first.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "numpy_batches": "batches",
    "STOCHASTIC_ENSEMBLE_SIZES": "ensemble_sizes", "default_ensemble_sizes": "ensemble_sizes",
    "evaluate_ensemble_sizes": "ensemble_sizes", "is_stochastic": "ensemble_sizes",
    "OUTPUT_FILES": "outputs", "format_table": "outputs", "write_outputs": "outputs",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
