"""The model zoo, read side: pretrained presets, verified before use, loaded offline.

`names()` lists the presets, `card(name)` describes one, `load(name)` returns
the Keras model with its weights, taking raw pixels (built by the registry
builder its card names); `verify` recomputes every hash. Command line:
`python -m blur_keras.zoo`. Names are imported on first use. Presets are made
by `blur_keras.publishing` (`publish`, `build`), which may train and evaluate;
nothing here does.

A preset name resolves in the zoos only (`zoo_directories()`): the shipped
one and, when set, `$BLUR_KERAS_ZOO_DIR` (which adds a zoo; a name that both
hold with different files is refused). An argument with a path separator or a
leading `~` is a preset directory's path, checked against its own card.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "PresetError": "files", "zoo_directories": "files", "zoo_directory": "files",
    "card": "preset", "load": "preset", "names": "preset", "verify": "verification",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
