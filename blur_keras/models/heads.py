"""Classifier heads: global average/max/median pooling or the VGG-style MLP."""

from __future__ import annotations

import keras

from blur_keras.layers import AdaptiveAveragePooling2D, GlobalMedianPooling2D
from blur_keras.models.components import LayerFactory, max_pool

MLP_UNITS = 4096
MLP_DROPOUT = 0.5


def classifier_head(x, head: str, num_classes: int, factory: LayerFactory, *,
                    mlp_pool: tuple[int, int] | None = None, mlp_grid: int = 7):
    """Maps the last feature map to logits.

    Args:
        x: the last feature map (channels_last).
        head: `"gap"` (global average pooling), `"gmp"` (global max),
            `"gmedp"` (global median) or `"mlp"`: optional max pooling,
            adaptive average pooling to `mlp_grid x mlp_grid`, then
            Dense(4096)-ReLU-Dropout(0.5) twice, as torchvision's VGG.
        num_classes: number of logits.
        factory: makes the dense layers.
        mlp_pool: `(pool_size, strides)` of the MLP head's first max pooling,
            or `None` for none.
        mlp_grid: spatial size of the MLP head's adaptive average pooling.

    Returns:
        float32 logits of shape `(batch, num_classes)`.
    """
    if head == "gap":
        x = keras.layers.GlobalAveragePooling2D(name="head_gap")(x)
    elif head == "gmp":
        x = keras.layers.GlobalMaxPooling2D(name="head_gmp")(x)
    elif head == "gmedp":
        x = GlobalMedianPooling2D(name="head_gmedp")(x)
    else:
        if mlp_pool is not None:
            x = max_pool(x, *mlp_pool, name="head_pool")
        x = AdaptiveAveragePooling2D(mlp_grid, name="head_adaptive_pool")(x)
        x = keras.layers.Flatten(name="head_flatten")(x)
        for i in (1, 2):
            x = factory.dense(MLP_UNITS, name=f"head_fc{i}")(x)
            x = keras.layers.ReLU(name=f"head_relu{i}")(x)
            x = keras.layers.Dropout(MLP_DROPOUT, name=f"head_dropout{i}")(x)
    return factory.dense(num_classes, name="logits", dtype="float32")(x)
