"""The model zoo: pretrained presets, verified before use, loaded offline in safe mode.

`names()` lists the presets, `card(name)` describes one, `load(name)` returns
the Keras model with its weights; `save_preset` and `publish` make presets;
`verify` recomputes every hash; `build` rebuilds the shipped zoo. Command
line: `python -m blur_keras.zoo`. Names are imported on first use.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "PresetError": "files", "zoo_directory": "files",
    "card": "preset", "load": "preset", "names": "preset", "save_preset": "preset",
    "publish": "publishing", "build": "building", "verify": "verification",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
