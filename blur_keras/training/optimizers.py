"""SGD with PyTorch's semantics: coupled L2 weight decay and momentum on raw gradients."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="blur_keras")
class TorchSGD(keras.optimizers.Optimizer):
    """SGD exactly as `torch.optim.SGD` (dampening 0), the reference optimizer.

    Per variable `w` with gradient `g`, rate `lr`, decay `wd`, momentum `mu`:

    - coupled (default, PyTorch): `g <- g + wd * w`, `buf <- mu * buf + g`,
      `w <- w - lr * (g + mu * buf if nesterov else buf)`;
    - `decoupled_weight_decay=True`: the same without the `wd * w` term in
      `g`, and `w <- w - lr * wd * w` applied separately (SGDW).

    Unlike `keras.optimizers.SGD`, the momentum buffer accumulates raw
    gradients and the current rate multiplies it, so a rate drop takes effect
    at once, as in the reference. Keras' own `weight_decay` argument is the
    decoupled form; it is not used here.

    Args:
        learning_rate: float or `LearningRateSchedule`.
        momentum: `mu` in [0, 1).
        nesterov: Nesterov momentum.
        weight_decay: `wd` >= 0, applied to every variable except those named
            in `exclude_from_weight_decay` (e.g. variational posteriors).
        decoupled_weight_decay: use the decoupled form.
        **kwargs: base `keras.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.1, momentum: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
                 name: str = "torch_sgd", **kwargs):
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1); received {momentum!r}.")
        if weight_decay is None or weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0; received {weight_decay!r}.")
        kwargs.pop("weight_decay", None)
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.torch_weight_decay = float(weight_decay)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)
        self._decay_excluded: set[str] = set()

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or substrings of their names) that get no weight decay."""
        for variable in var_list or []:
            self._decay_excluded.add(variable.path)
        self._decay_excluded_names = tuple(var_names or ())

    def _decays(self, variable) -> bool:
        names = getattr(self, "_decay_excluded_names", ())
        return self.torch_weight_decay > 0 and variable.path not in self._decay_excluded \
            and not any(name in variable.path for name in names)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self._decay_mask = [self._decays(v) for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        decays = self._decay_mask[self._get_variable_index(variable)]
        wd = ops.cast(self.torch_weight_decay, variable.dtype)
        if decays and not self.decoupled_weight_decay:
            gradient = gradient + wd * variable
        if self.momentum:
            buffer = self.momentums[self._get_variable_index(variable)]
            self.assign(buffer, self.momentum * buffer + gradient)
            direction = gradient + self.momentum * buffer if self.nesterov else buffer
        else:
            direction = gradient
        if decays and self.decoupled_weight_decay:
            self.assign_sub(variable, lr * wd * variable)
        self.assign_sub(variable, lr * direction)

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov,
                      weight_decay=self.torch_weight_decay,
                      decoupled_weight_decay=self.decoupled_weight_decay)
        return config
