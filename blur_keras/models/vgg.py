"""VGG and pre-activation VGG with batch normalisation (torchvision `vgg*_bn` layout)."""

from __future__ import annotations

from typing import Any, Iterable

import keras

from blur_keras.models.components import (
    LayerFactory, SeedSequence, add_mc_dropout, batch_norm, conv, max_pool, relu)
from blur_keras.models.heads import classifier_head
from blur_keras.models.options import check_common, check_width, smoothing_factory, stage_set

#: depth -> convolutions per stage (channels 64, 128, 256, 512, 512)
VGG_STAGES = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_CHANNELS = (64, 128, 256, 512, 512)
#: The reference width: channels of the first stage.
REFERENCE_WIDTH = VGG_CHANNELS[0]


def _vgg(depth, num_classes, input_shape, mc_dropout, smoothing, smoothing_stages, head, width,
         mc_dropout_seed, layer_factory, name, preact):
    if depth not in VGG_STAGES:
        raise ValueError(f"Unsupported VGG depth {depth!r}: expected one of {sorted(VGG_STAGES)}.")
    check_common(num_classes, input_shape, mc_dropout, head)
    check_width(width)
    channels_per_stage = [c // REFERENCE_WIDTH * width for c in VGG_CHANNELS]
    factory = layer_factory or LayerFactory()
    smooth = smoothing_factory(smoothing)
    stages = stage_set(smoothing_stages, 5, range(1, 6))
    seeds = SeedSequence(mc_dropout_seed)

    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for s, (channels, convs) in enumerate(zip(channels_per_stage, VGG_STAGES[depth]), start=1):
        for c in range(1, convs + 1):
            prefix = f"stage{s}_conv{c}"
            if preact:   # BN-ReLU-conv -> [MC dropout]
                x = relu(batch_norm(x, f"{prefix}_bn"), f"{prefix}_relu")
                x = conv(x, factory, channels, 3, name=prefix)
            else:        # conv-BN-ReLU -> [MC dropout]
                x = conv(x, factory, channels, 3, name=prefix)
                x = relu(batch_norm(x, f"{prefix}_bn"), f"{prefix}_relu")
            x = add_mc_dropout(x, mc_dropout, seeds.next(), f"{prefix}_dropout")
        if smooth and s in stages:
            x = smooth(f"stage{s}_smooth")(x)
        if s < 5:
            x = max_pool(x, 2, 2, name=f"stage{s}_pool")
    outputs = classifier_head(x, head, num_classes, factory, mlp_pool=(2, 2), mlp_grid=7)
    return keras.Model(inputs, outputs, name=name)


def vgg(depth: int = 16, num_classes: int = 10, input_shape: tuple = (32, 32, 3),
        mc_dropout: float = 0.0, smoothing: Any = None,
        smoothing_stages: Iterable[int] | None = None, head: str = "mlp",
        width: int = REFERENCE_WIDTH, mc_dropout_seed: int | None = None,
        layer_factory: LayerFactory | None = None, name: str | None = None) -> keras.Model:
    """VGG-11/13/16/19 with BN; conv-BN-ReLU, MC dropout after every ReLU.

    Smoothing goes at the end of each of the 5 stages, before its max pool
    (the fifth max pool belongs to the MLP head). The default `"mlp"` head is
    the reference one: max pool, adaptive average pooling to 7x7,
    4096-4096 with dropout 0.5.

    Args:
        depth: 11, 13, 16 or 19.
        num_classes: number of output logits.
        input_shape: `(height, width, channels)`; at least 16x16 (4 max pools
            before the head).
        mc_dropout: MC dropout rate in [0, 1).
        smoothing: as in `resnet`.
        smoothing_stages: 1-based stages followed by smoothing (default 1-5).
        head: `"mlp"`, `"gap"`, `"gmp"` or `"gmedp"`.
        width: channels of the first stage (reference 64); the stages have
            `width` x (1, 2, 4, 8, 8) channels. The MLP head keeps its 4096
            units at every width (only its input, 7 * 7 * 8 * `width`, scales).
        mc_dropout_seed: base seed of the MC dropout layers.
        layer_factory: makes the convolutions and dense layers.
        name: model name.

    Returns:
        A functional `keras.Model` mapping images to float32 logits.
    """
    return _vgg(depth, num_classes, input_shape, mc_dropout, smoothing, smoothing_stages,
                head, width, mc_dropout_seed, layer_factory, name or f"vgg_{depth}", preact=False)


def preact_vgg(depth: int = 16, num_classes: int = 10, input_shape: tuple = (32, 32, 3),
               mc_dropout: float = 0.0, smoothing: Any = None,
               smoothing_stages: Iterable[int] | None = None, head: str = "mlp",
               width: int = REFERENCE_WIDTH, mc_dropout_seed: int | None = None,
               layer_factory: LayerFactory | None = None, name: str | None = None
               ) -> keras.Model:
    """Pre-activation VGG: BN-ReLU-conv, MC dropout after every conv.

    The last convolution is followed by no activation: the stage-5 smoothing
    (or the head's max pool) sees raw features, as in the reference.

    Args:
        depth: 11, 13, 16 or 19.
        num_classes: number of output logits.
        input_shape: `(height, width, channels)`; at least 16x16.
        mc_dropout: MC dropout rate in [0, 1).
        smoothing: as in `resnet`.
        smoothing_stages: 1-based stages followed by smoothing (default 1-5).
        head: `"mlp"`, `"gap"`, `"gmp"` or `"gmedp"`.
        width: channels of the first stage (reference 64); the stages have
            `width` x (1, 2, 4, 8, 8) channels. The MLP head keeps its 4096
            units at every width (only its input, 7 * 7 * 8 * `width`, scales).
        mc_dropout_seed: base seed of the MC dropout layers.
        layer_factory: makes the convolutions and dense layers.
        name: model name.

    Returns:
        A functional `keras.Model` mapping images to float32 logits.
    """
    return _vgg(depth, num_classes, input_shape, mc_dropout, smoothing, smoothing_stages,
                head, width, mc_dropout_seed, layer_factory, name or f"preact_vgg_{depth}",
                preact=True)
