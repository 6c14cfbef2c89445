"""Spatial-smoothing layers: `Blur`, `Prob`, `SpatialSmoothing`, `MCDropout`, and the presets'
input layer `PixelStandardization`.

Every layer is registered for serialisation under the package name
`"blur_keras"` (e.g. `"blur_keras>Blur"`), so `.keras` files saved with this
package load with `keras.saving.load_model` once `blur_keras` is imported
(see `blur_keras.registration`).
"""

from blur_keras.layers.adaptive_average_pooling import AdaptiveAveragePooling2D
from blur_keras.layers.blur import Blur, blur_filter
from blur_keras.layers.global_median_pooling import GlobalMedianPooling2D
from blur_keras.layers.mc_dropout import MCDropout
from blur_keras.layers.monte_carlo import (
    MonteCarloLayer, monte_carlo_disabled, monte_carlo_layers, set_monte_carlo)
from blur_keras.layers.padded_max_pooling import PaddedMaxPooling2D
from blur_keras.layers.pixel_standardization import PixelStandardization
from blur_keras.layers.prob import DEFAULT_TEMPERATURES, PROB_KINDS, Prob
from blur_keras.layers.spatial_smoothing import SpatialSmoothing

__all__ = [
    "AdaptiveAveragePooling2D", "Blur", "blur_filter", "DEFAULT_TEMPERATURES", "GlobalMedianPooling2D", "MCDropout",
    "monte_carlo_disabled", "monte_carlo_layers", "MonteCarloLayer", "PaddedMaxPooling2D",
    "PixelStandardization",
    "PROB_KINDS", "Prob",
    "set_monte_carlo",
    "SpatialSmoothing",
]
