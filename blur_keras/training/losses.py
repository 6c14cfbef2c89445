"""Cross-entropy on integer labels with optional label smoothing."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="blur_keras")
class SparseCrossentropy(keras.losses.Loss):
    """Softmax cross-entropy of integer labels and logits, with label smoothing.

    `keras.losses.SparseCategoricalCrossentropy` has no label smoothing; this
    one-hot encodes inside the loss, so datasets and metrics keep integer labels.

    Args:
        label_smoothing: in [0, 1); the target is `(1 - s) * onehot + s / classes`.
        name: loss name.
        **kwargs: base `keras.losses.Loss` arguments.
    """

    def __init__(self, label_smoothing: float = 0.0, name: str = "sparse_crossentropy",
                 **kwargs):
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1); received {label_smoothing!r}.")
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        y_true = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        onehot = ops.one_hot(y_true, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            onehot, y_pred, from_logits=True, label_smoothing=self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
