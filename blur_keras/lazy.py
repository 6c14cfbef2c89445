"""Package namespaces whose names are imported on first use (PEP 562)."""

from __future__ import annotations

import importlib
from typing import Callable, Iterable


def lazy_exports(package: str, exports: dict[str, str],
                 submodules: Iterable[str] = ()) -> tuple[Callable, Callable]:
    """`__getattr__` and `__dir__` for a package that exports its names lazily.

    Lets `python -m blur_keras.<package>` configure logging before Keras and
    TensorFlow are imported, and keeps `import blur_keras.<package>` cheap.

    Args:
        package: the package's `__name__`.
        exports: exported name -> the submodule (relative to the package) defining it.
        submodules: submodules (relative to the package) exported as attributes
            themselves, e.g. `blur_keras.layers` after a bare `import blur_keras`.

    Returns:
        `(__getattr__, __dir__)` to assign at the package's top level.

    Example:

    >>> __getattr__, __dir__ = lazy_exports(__name__, {"predict_proba": "predict"},
    ...                                     submodules=("layers",))
    """
    submodules = frozenset(submodules)
    names = sorted(set(exports) | submodules)

    def __getattr__(name: str):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    def __dir__():
        return names

    return __getattr__, __dir__
