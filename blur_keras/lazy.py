"""Package namespaces whose names are imported on first use (PEP 562)."""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable, Callable]:
    """`__getattr__` and `__dir__` for a package that exports `name -> submodule` lazily.

    Lets `python -m blur_keras.<package>` configure logging before Keras and
    TensorFlow are imported, and keeps `import blur_keras.<package>` cheap.

    Args:
        package: the package's `__name__`.
        exports: exported name -> the submodule (relative to the package) defining it.

    Returns:
        `(__getattr__, __dir__)` to assign at the package's top level.
    """
    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    def __dir__():
        return sorted(exports)

    return __getattr__, __dir__
