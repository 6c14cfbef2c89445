"""`make demo` (`python -m blur_keras.demo`): the zoo's MC dropout presets, with and without smoothing.

`run_demo` loads the presets offline, predicts the real test split clean and
corrupted at N = 1, 2, 5 and 10 Monte Carlo samples; `format_table`,
`card_check` and `write_outputs` print and save what it found (reliability
diagrams, NLL against N, the images the models are least sure of). The
smoothing walkthrough on one image is `blur_keras.demo.walkthrough`
(`python -m blur_keras.demo --walkthrough`). Names are imported on first use.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "DEFAULT_CORRUPTIONS": "zoo_demo", "DEFAULT_PRESETS": "zoo_demo",
    "check_presets": "zoo_demo", "run_demo": "zoo_demo",
    "card_check": "report", "format_table": "report", "write_outputs": "report",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
