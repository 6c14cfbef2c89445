"""AlexNet (torchvision layout, convolutions without bias), CIFAR and ImageNet stems."""

from __future__ import annotations

from typing import Any, Iterable

import keras

from blur_keras.models.components import (
    LayerFactory, SeedSequence, add_mc_dropout, conv, max_pool, relu)
from blur_keras.models.heads import classifier_head
from blur_keras.models.options import (
    STEMS, check_choice, check_common, check_width, smoothing_factory, stage_set)

#: (filters, kernel size) of the five convolutions; conv1's kernel depends on the stem.
ALEXNET_CONVS = ((64, None), (192, 5), (384, 3), (256, 3), (256, 3))
#: The reference width: filters of conv1.
REFERENCE_WIDTH = ALEXNET_CONVS[0][0]
#: stem -> (conv1 kernel, conv1 stride, conv1 padding, (max pool size, stride), MLP grid)
ALEXNET_STEMS = {"cifar": (3, 2, 1, (2, 2), 2), "imagenet": (11, 4, 2, (3, 2), 6)}
#: The 3 stages end after conv1, conv2 and conv5.
STAGE_ENDS = (1, 2, 5)


def alexnet(num_classes: int = 10, input_shape: tuple = (32, 32, 3), stem: str = "cifar",
            mc_dropout: float = 0.0, smoothing: Any = None,
            smoothing_stages: Iterable[int] | None = None, head: str = "mlp",
            width: int = REFERENCE_WIDTH, mc_dropout_seed: int | None = None,
            layer_factory: LayerFactory | None = None, name: str | None = None) -> keras.Model:
    """AlexNet: 5 convolutions in 3 stages, smoothing after conv1, conv2 and conv5.

    MC dropout goes after every conv-ReLU. The `"mlp"` head is the
    reference's: max pool, adaptive average pooling to 2x2 (CIFAR stem) or
    6x6 (ImageNet stem), then 4096-4096 with dropout 0.5. Spatial sizes of
    the CIFAR stem on 32x32, as the reference: conv1 16, pool 8, conv2 8,
    pool 4, conv3-5 4, head pool 2 (each `"full"`-padded smoothing adds a
    pixel before the next pool).

    Args:
        num_classes: number of output logits.
        input_shape: `(height, width, channels)`.
        stem: `"cifar"` (3x3/2 conv1 with padding 1, 2x2/2 max pools) or
            `"imagenet"` (11x11/4 conv1 with padding 2, 3x3/2 max pools).
        mc_dropout: MC dropout rate in [0, 1) (the reference uses 0.1).
        smoothing: as in `resnet`.
        smoothing_stages: 1-based stages followed by smoothing (default 1-3).
        head: `"mlp"`, `"gap"`, `"gmp"` or `"gmedp"`.
        width: filters of conv1 (reference 64); the five convolutions have
            `width` x (1, 3, 6, 4, 4) filters. The MLP head keeps its 4096
            units at every width.
        mc_dropout_seed: base seed of the MC dropout layers.
        layer_factory: makes the convolutions and dense layers.
        name: model name.

    Returns:
        A functional `keras.Model` mapping images to float32 logits.

    Example:

    >>> model = alexnet(num_classes=100)
    >>> model.get_layer("conv1").output.shape
    (None, 16, 16, 64)
    """
    check_common(num_classes, input_shape, mc_dropout, head)
    check_choice("stem", stem, STEMS)
    check_width(width)
    kernel1, stride1, pad1, pool, grid = ALEXNET_STEMS[stem]
    factory = layer_factory or LayerFactory()
    smooth = smoothing_factory(smoothing)
    stages = stage_set(smoothing_stages, 3, range(1, 4))
    seeds = SeedSequence(mc_dropout_seed)

    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for i, (filters, kernel) in enumerate(ALEXNET_CONVS, start=1):
        filters = filters * width // REFERENCE_WIDTH
        if i == 1:
            x = keras.layers.ZeroPadding2D(pad1, name="conv1_pad")(x)
            x = factory.conv(filters, kernel1, stride1, "valid", name="conv1")(x)
        else:
            x = conv(x, factory, filters, kernel, name=f"conv{i}")
        x = add_mc_dropout(relu(x, f"conv{i}_relu"), mc_dropout, seeds.next(), f"conv{i}_dropout")
        if i in STAGE_ENDS:
            stage = STAGE_ENDS.index(i) + 1
            if smooth and stage in stages:
                x = smooth(f"stage{stage}_smooth")(x)
            if stage < 3:
                x = max_pool(x, *pool, name=f"stage{stage}_pool")
    outputs = classifier_head(x, head, num_classes, factory, mlp_pool=pool, mlp_grid=grid)
    return keras.Model(inputs, outputs, name=name or "alexnet")
