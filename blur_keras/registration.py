"""Every object of blur_keras that Keras can deserialise is known to Keras once `blur_keras` is.

`import blur_keras` stays light (no Keras, TensorFlow or TFP import: the
programs configure logging before TensorFlow starts), yet a `.keras` file
that uses any layer, model, metric, loss, optimizer, schedule or prior of the
package must load after it, whichever submodule was imported. So when Keras
is imported (at once if it already is), each registered name of
`SERIALIZABLES` gets a stand-in in Keras' registry of custom objects
(`keras.saving.get_custom_objects()`). Deserialising one imports the module
that defines it (so TFP is imported only when a Bayesian layer is loaded),
whose `register_keras_serializable` decorator then replaces the stand-in with
the class itself.

The same watch on imports serves the package's plug-ins (`register_plugin`):
a module that registers itself with a lower one, e.g. the `bnn` variant of
`blur_keras.bayesian` with the model registry, is imported right after it.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Callable

#: Registered name -> the module that defines it. A test checks that this is every object the
#: package registers with `keras.saving.register_keras_serializable`.
SERIALIZABLES = {
    "blur_keras>AdaptiveAveragePooling2D": "blur_keras.layers.adaptive_average_pooling",
    "blur_keras>Blur": "blur_keras.layers.blur",
    "blur_keras>GlobalMedianPooling2D": "blur_keras.layers.global_median_pooling",
    "blur_keras>MCDropout": "blur_keras.layers.mc_dropout",
    "blur_keras>PaddedMaxPooling2D": "blur_keras.layers.padded_max_pooling",
    "blur_keras>PixelStandardization": "blur_keras.layers.pixel_standardization",
    "blur_keras>Prob": "blur_keras.layers.prob",
    "blur_keras>SpatialSmoothing": "blur_keras.layers.spatial_smoothing",
    "blur_keras>Conv2DFlipout": "blur_keras.bayesian.variational",
    "blur_keras>Conv2DReparameterization": "blur_keras.bayesian.variational",
    "blur_keras>DenseFlipout": "blur_keras.bayesian.variational",
    "blur_keras>DenseReparameterization": "blur_keras.bayesian.variational",
    "blur_keras>NormalPrior": "blur_keras.bayesian.priors",
    "blur_keras>Ensemble": "blur_keras.predict",
    "blur_keras>BrierScore": "blur_keras.metrics",
    "blur_keras>ExpectedCalibrationError": "blur_keras.metrics",
    "blur_keras>NegativeLogLikelihood": "blur_keras.metrics",
    "blur_keras>SparseCrossentropy": "blur_keras.training.losses",
    "blur_keras>TorchSGD": "blur_keras.training.optimizers",
    "blur_keras>WarmupCosine": "blur_keras.training.schedules",
    "blur_keras>WarmupMultiStep": "blur_keras.training.schedules",
}


class _StandIn:
    """Takes a registered class's place in Keras' registry until its module is imported."""

    def __init__(self, registered_name: str, module: str):
        self.registered_name = registered_name
        self.module = module

    def resolve(self) -> type:
        """The class itself (importing its module registers it in the stand-in's place)."""
        name = self.registered_name.split(">", 1)[1]
        return getattr(importlib.import_module(self.module), name)

    def from_config(self, config: dict):
        return self.resolve().from_config(config)

    def __repr__(self) -> str:
        return f"<{self.registered_name}, defined in {self.module} (not imported yet)>"


def _register(keras_module) -> None:
    registry = keras_module.saving.get_custom_objects()
    for registered_name, module in SERIALIZABLES.items():
        registry.setdefault(registered_name, _StandIn(registered_name, module))


class _RunAfterLoading(importlib.abc.Loader):
    """A module's own loader, followed by `then(module)` once the module is fully imported."""

    def __init__(self, loader, then: Callable[[ModuleType], None]):
        self.loader = loader
        self.then = then

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader   # nothing of ours remains
        self.loader.exec_module(module)
        self.then(module)


class _ImportWatcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself; hands one module's spec over with `_RunAfterLoading`.

    It stays on `sys.meta_path` until the module is executed: a `find_spec` alone (TensorFlow
    asks whether Keras is installed before importing it) must not use it up.
    """

    def __init__(self, module_name: str):
        self.module_name = module_name
        self.callbacks: list[Callable[[ModuleType], None]] = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.module_name:
            return None
        for finder in sys.meta_path:                 # what the other finders find
            if isinstance(finder, _ImportWatcher) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None:
            spec.loader = _RunAfterLoading(spec.loader, self._loaded)
        return spec

    def _loaded(self, module: ModuleType) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)               # a module is executed once
        for callback in self.callbacks:
            callback(module)


def _after_import(module_name: str, then: Callable[[ModuleType], None]) -> None:
    """Calls `then(module)` now if `module_name` is imported, else right after its import."""
    if module_name in sys.modules:
        then(sys.modules[module_name])
        return
    watcher = next((finder for finder in sys.meta_path if isinstance(finder, _ImportWatcher)
                    and finder.module_name == module_name), None)
    if watcher is None:
        watcher = _ImportWatcher(module_name)
        sys.meta_path.insert(0, watcher)
    if then not in watcher.callbacks:
        watcher.callbacks.append(then)


def register_with_keras() -> None:
    """Registers a stand-in for every `SERIALIZABLES` name: now if Keras is imported, else as
    soon as it is (a finder on `sys.meta_path` waits for its import)."""
    _after_import("keras", _register)


@dataclasses.dataclass(frozen=True)
class _Import:
    """Imports `module` (a value, so a second `register_plugin` of it adds no second watch)."""

    module: str

    def __call__(self, host: ModuleType) -> None:
        importlib.import_module(self.module)


def register_plugin(plugin: str, host: str) -> None:
    """Imports module `plugin` as soon as module `host` is imported (now if it is already).

    A plug-in registers itself with a module below it (`blur_keras.bayesian.variant` adds the
    `bnn` variant to `blur_keras.models.registry`), so the host imports nothing above it, yet
    the plug-in's registration holds whichever module a user imports first.

    Args:
        plugin: the module that registers itself when imported.
        host: the module it registers with.

    Example:

    >>> register_plugin("blur_keras.bayesian.variant", host="blur_keras.models.registry")
    """
    _after_import(host, _Import(plugin))
