"""Pre-activation ResNet (He et al. 2016; kuangliu layout)."""

from __future__ import annotations

from typing import Any, Iterable

import keras

from blur_keras.models.components import (
    LayerFactory, SeedSequence, add_mc_dropout, batch_norm, conv, relu)
from blur_keras.models.heads import classifier_head
from blur_keras.models.options import (
    STEMS, check_choice, check_common, check_width, smoothing_factory, stage_set)
from blur_keras.models.resnet import RESNET_STAGES, REFERENCE_WIDTH, resnet_stem, stage_planes


def _preact(x, name):
    return relu(batch_norm(x, f"{name}_bn"), f"{name}_relu")


def preact_basic_block(x, planes, strides, dropout, seeds, factory, name):
    """BN-ReLU-conv3x3 -> BN-ReLU -> [MC dropout] -> conv3x3, + shortcut."""
    out = _preact(x, f"{name}_pre1")
    shortcut = _shortcut(x, out, planes, strides, factory, name)
    y = conv(out, factory, planes, 3, strides, name=f"{name}_conv1")
    y = add_mc_dropout(_preact(y, f"{name}_pre2"), dropout, seeds.next(), f"{name}_dropout")
    y = conv(y, factory, planes, 3, name=f"{name}_conv2")
    return keras.layers.Add(name=f"{name}_add")([shortcut, y])


def preact_bottleneck_block(x, planes, strides, dropout, seeds, factory, name):
    """BN-ReLU-1x1 -> BN-ReLU-3x3(stride) -> BN-ReLU -> [MC dropout] -> 1x1, + shortcut.

    As in the reference, the MC dropout bottleneck (`dropout > 0`) has a
    conv1x1-BN projection shortcut; the deterministic one a bare conv1x1.
    """
    out = _preact(x, f"{name}_pre1")
    shortcut = _shortcut(x, out, planes * 4, strides, factory, name, batchnorm=dropout > 0)
    y = conv(out, factory, planes, 1, name=f"{name}_conv1")
    y = conv(_preact(y, f"{name}_pre2"), factory, planes, 3, strides, name=f"{name}_conv2")
    y = add_mc_dropout(_preact(y, f"{name}_pre3"), dropout, seeds.next(), f"{name}_dropout")
    y = conv(y, factory, planes * 4, 1, name=f"{name}_conv3")
    return keras.layers.Add(name=f"{name}_add")([shortcut, y])


def _shortcut(x, preactivated, out_channels, strides, factory, name, batchnorm=False):
    # As in the reference, a projection shortcut sees the pre-activated input.
    if strides != 1 or x.shape[-1] != out_channels:
        shortcut = conv(preactivated, factory, out_channels, 1, strides,
                        name=f"{name}_shortcut_conv")
        return batch_norm(shortcut, f"{name}_shortcut_bn") if batchnorm else shortcut
    return x


PREACT_BLOCKS = {"basic": preact_basic_block, "bottleneck": preact_bottleneck_block}


def preact_resnet(depth: int = 18, num_classes: int = 10, input_shape: tuple = (32, 32, 3),
                  stem: str = "cifar", mc_dropout: float = 0.0, smoothing: Any = None,
                  smoothing_stages: Iterable[int] | None = None, head: str = "gap",
                  width: int = REFERENCE_WIDTH, mc_dropout_seed: int | None = None,
                  layer_factory: LayerFactory | None = None, name: str | None = None
                  ) -> keras.Model:
    """Pre-activation ResNet; head BN-ReLU-GAP-Dense.

    Smoothing goes after stages 1-3 only by default (the reference: the head's
    BN-ReLU-GAP already smooths the last stage). MC dropout goes after the
    ReLU before the last convolution of each branch; with MC dropout the
    bottleneck's projection shortcut is conv1x1-BN (the reference's MC
    dropout bottleneck), without it a bare conv1x1.

    Args:
        depth: 18, 34, 50, 101 or 152.
        num_classes: number of output logits.
        input_shape: `(height, width, channels)`.
        stem: `"cifar"` (a bare 3x3 conv) or `"imagenet"` (a bare 7x7/2 conv,
            then a 3x3/2 max pool padded with `-inf` like PyTorch's).
        mc_dropout: MC dropout rate in [0, 1).
        smoothing: as in `resnet`.
        smoothing_stages: 1-based stages followed by smoothing (default 1-3).
        head: `"gap"` (BN-ReLU-GAP-Dense), `"mlp"`, `"gmp"` or `"gmedp"`. As in
            the reference, the other heads replace the whole BN-ReLU-GAP-Dense
            block, so they see the last block's output without BN-ReLU; the
            `"mlp"` head pools it to 7x7 (7 * 7 * 8 * `width` * expansion
            features) before 4096-4096.
        width: channels of the stem and the first stage (reference 64); the
            later stages double it.
        mc_dropout_seed: base seed of the MC dropout layers.
        layer_factory: makes the convolutions and dense layers.
        name: model name.

    Returns:
        A functional `keras.Model` mapping images to float32 logits.
    """
    if depth not in RESNET_STAGES:
        raise ValueError(
            f"Unsupported pre-activation ResNet depth {depth!r}: expected one of "
            f"{sorted(RESNET_STAGES)}.")
    check_common(num_classes, input_shape, mc_dropout, head)
    check_choice("stem", stem, STEMS)
    check_width(width)
    block_type, stage_blocks = RESNET_STAGES[depth]
    factory = layer_factory or LayerFactory()
    smooth = smoothing_factory(smoothing)
    stages = stage_set(smoothing_stages, 4, range(1, 4))
    seeds = SeedSequence(mc_dropout_seed)
    block = PREACT_BLOCKS[block_type]

    inputs = keras.Input(input_shape, name="image")
    x = resnet_stem(inputs, stem, factory, batchnorm=False, filters=width)
    for s, (planes, blocks) in enumerate(zip(stage_planes(width), stage_blocks), start=1):
        for b in range(1, blocks + 1):
            strides = 2 if s > 1 and b == 1 else 1
            x = block(x, planes, strides, mc_dropout, seeds, factory, f"stage{s}_block{b}")
        if smooth and s in stages:
            x = smooth(f"stage{s}_smooth")(x)
    if head == "gap":
        x = _preact(x, "head_pre")
    outputs = classifier_head(x, head, num_classes, factory)
    return keras.Model(inputs, outputs, name=name or f"preact_resnet_{depth}")
