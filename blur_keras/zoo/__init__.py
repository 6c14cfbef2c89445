"""The model zoo: pretrained presets, verified before use, loaded offline in safe mode.

`names()` lists the presets, `card(name)` describes one, `load(name)` returns
the Keras model with its weights, taking raw pixels; `save_preset` and
`publish` make presets; `verify` recomputes every hash; `build` rebuilds the
shipped zoo. Command line: `python -m blur_keras.zoo`. Names are imported on
first use.

A preset name resolves in the zoos only (`zoo_directories()`): the shipped
one and, when set, `$BLUR_KERAS_ZOO_DIR` (which adds a zoo; a name that both
hold with different files is refused). An argument with a path separator or a
leading `~` is a preset directory's path, checked against its own card.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "PresetError": "files", "zoo_directories": "files", "zoo_directory": "files",
    "card": "preset", "load": "preset", "names": "preset", "save_preset": "preset",
    "publish": "publishing", "build": "building", "verify": "verification",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
