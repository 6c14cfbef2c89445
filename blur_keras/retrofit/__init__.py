"""Retrofit: spatial smoothing (and MC dropout) added to a CNN someone already trained.

`retrofit(model)` returns a copy of a functional or Sequential Keras model
with `SpatialSmoothing` inserted at the end of each stage, right before each
subsampling (and, optionally, MC dropout where the `mcdo` variants have it),
every original layer keeping its weights. `describe(model)` reads back what
is where. Command line: `python -m blur_keras.retrofit`. Names are imported
on first use.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "RetrofitError": "graph", "describe": "description", "retrofit": "retrofitting",
    "RETROFIT_SMOOTHING": "retrofitting",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
