"""ResNet, ResNeXt and Wide-ResNet (post-activation, torchvision/kuangliu layout)."""

from __future__ import annotations

from typing import Any, Iterable

import keras

from blur_keras.models.components import (
    LayerFactory, SeedSequence, add_mc_dropout, batch_norm, conv, max_pool, relu)
from blur_keras.models.heads import classifier_head
from blur_keras.models.options import (
    STEMS, check_choice, check_common, check_width, smoothing_factory, stage_set)

#: depth -> (block type, blocks per stage)
RESNET_STAGES = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
#: The reference width: channels of the stem and the first stage.
REFERENCE_WIDTH = 64


def stage_planes(width: int) -> tuple[int, int, int, int]:
    """Planes of the 4 stages for a first-stage `width` (reference: 64, 128, 256, 512)."""
    return tuple(width * 2 ** i for i in range(4))


def resnet_stem(x, kind: str, factory: LayerFactory, batchnorm: bool = True,
                filters: int = REFERENCE_WIDTH):
    """CIFAR stem (3x3 conv, stride 1) or ImageNet stem (7x7/2 conv, 3x3/2 max pool).

    With `batchnorm` the convolution is followed by BN-ReLU (post-activation
    ResNet); without, the stem is the bare convolution (and max pool), as in
    the reference pre-activation ResNet.
    """
    if kind == "cifar":
        x = conv(x, factory, filters, 3, name="stem_conv")
        return relu(batch_norm(x, "stem_bn"), "stem_relu") if batchnorm else x
    x = conv(x, factory, filters, 7, strides=2, name="stem_conv")
    if batchnorm:
        x = relu(batch_norm(x, "stem_bn"), "stem_relu")
    return max_pool(x, 3, 2, padding=1, name="stem_pool")


def check_bottleneck_width(width: int, groups: int, width_per_group: int) -> None:
    """Raises `ValueError` when the first stage's bottleneck would have no channels."""
    if int(width * (width_per_group / 64.0)) * groups < 1:
        raise ValueError(
            f"width={width} with width_per_group={width_per_group} gives the first stage's "
            f"bottleneck int({width} * {width_per_group} / 64) = 0 channels per group; expected "
            f"width >= {-(-64 // width_per_group)}.")


def basic_block(x, planes: int, strides: int, dropout: float, seeds: SeedSequence,
                factory: LayerFactory, name: str, **_):
    """conv3x3-BN-ReLU -> [MC dropout] -> conv3x3-BN, + shortcut, ReLU."""
    shortcut = x
    y = relu(batch_norm(conv(x, factory, planes, 3, strides, name=f"{name}_conv1"),
                        f"{name}_bn1"), f"{name}_relu1")
    y = add_mc_dropout(y, dropout, seeds.next(), f"{name}_dropout")
    y = batch_norm(conv(y, factory, planes, 3, name=f"{name}_conv2"), f"{name}_bn2")
    return _merge(x, shortcut, y, planes, strides, factory, name)


def bottleneck_block(x, planes: int, strides: int, dropout: float, seeds: SeedSequence,
                     factory: LayerFactory, name: str, groups: int = 1,
                     width_per_group: int = 64):
    """1x1-BN-ReLU -> 3x3(stride, groups)-BN-ReLU -> [MC dropout] -> 1x1-BN, + shortcut, ReLU."""
    width = int(planes * (width_per_group / 64.0)) * groups
    y = relu(batch_norm(conv(x, factory, width, 1, name=f"{name}_conv1"), f"{name}_bn1"),
             f"{name}_relu1")
    y = relu(batch_norm(conv(y, factory, width, 3, strides, groups, name=f"{name}_conv2"),
                        f"{name}_bn2"), f"{name}_relu2")
    y = add_mc_dropout(y, dropout, seeds.next(), f"{name}_dropout")
    y = batch_norm(conv(y, factory, planes * 4, 1, name=f"{name}_conv3"), f"{name}_bn3")
    return _merge(x, x, y, planes * 4, strides, factory, name)


def _merge(x, shortcut, y, out_channels, strides, factory, name):
    if strides != 1 or x.shape[-1] != out_channels:
        shortcut = conv(x, factory, out_channels, 1, strides, name=f"{name}_shortcut_conv")
        shortcut = batch_norm(shortcut, f"{name}_shortcut_bn")
    y = keras.layers.Add(name=f"{name}_add")([shortcut, y])
    return relu(y, f"{name}_out")


BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def resnet(depth: int = 18, num_classes: int = 10, input_shape: tuple = (32, 32, 3),
           stem: str = "cifar", mc_dropout: float = 0.0, smoothing: Any = None,
           smoothing_stages: Iterable[int] | None = None, head: str = "gap",
           groups: int = 1, width_per_group: int = 64, width: int = REFERENCE_WIDTH,
           mc_dropout_seed: int | None = None,
           layer_factory: LayerFactory | None = None, name: str | None = None
           ) -> keras.Model:
    """ResNet (and, through `groups`/`width_per_group`, ResNeXt and Wide-ResNet).

    Spatial smoothing goes at the end of each of the 4 stages, right before
    the next subsampling (the last one before the head). MC dropout goes in
    every block before its last convolution.

    Args:
        depth: 18, 34 (basic blocks), 50, 101 or 152 (bottleneck blocks).
        num_classes: number of output logits.
        input_shape: `(height, width, channels)`, any size and channel count.
        stem: `"cifar"` (3x3 conv, stride 1) or `"imagenet"` (7x7/2 conv + max pool).
        mc_dropout: MC dropout rate in [0, 1); 0 builds a deterministic network.
        smoothing: `None`, `True` (paper default), a dict of `SpatialSmoothing`
            arguments, or a callable `name -> Layer`. See `smoothing_factory`.
        smoothing_stages: 1-based stages followed by smoothing (default all 4).
        head: `"gap"`, `"mlp"`, `"gmp"` or `"gmedp"` (see `classifier_head`).
            The `"mlp"` head is the reference's: adaptive average pooling to
            7x7 (no max pool), so 7 * 7 * 8 * `width` * expansion features
            (25,088 for ResNet-18, 100,352 for ResNet-50) feed 4096-4096.
        groups: groups of the bottleneck 3x3 convolution (ResNeXt cardinality).
        width_per_group: bottleneck width per group (64 for ResNet, 128 for
            Wide-ResNet-x2, 4 or 8 for ResNeXt).
        width: channels of the stem and the first stage (reference 64); the
            later stages double it, so `width=16` is a quarter-width network.
            ResNeXt and Wide-ResNet scale the same way (their bottleneck
            width is `int(planes * width_per_group / 64) * groups`).
        mc_dropout_seed: base seed of the MC dropout layers (layer i gets seed + i).
        layer_factory: makes the convolutions and dense layers.
        name: model name; defaults to the reference name.

    Returns:
        A functional `keras.Model` mapping images to float32 logits.

    Example:

    >>> model = resnet(18, num_classes=100, mc_dropout=0.3, smoothing=True)
    >>> model.get_layer("stage1_smooth").output.shape
    (None, 33, 33, 64)
    """
    if depth not in RESNET_STAGES:
        raise ValueError(f"Unsupported ResNet depth {depth!r}: expected one of {sorted(RESNET_STAGES)}.")
    check_common(num_classes, input_shape, mc_dropout, head)
    check_choice("stem", stem, STEMS)
    check_width(width)
    block_type, stage_blocks = RESNET_STAGES[depth]
    if block_type == "basic" and (groups != 1 or width_per_group != 64):
        raise ValueError(f"ResNet-{depth} has basic blocks, which take no groups/width_per_group.")
    if block_type == "bottleneck":
        check_bottleneck_width(width, groups, width_per_group)
    factory = layer_factory or LayerFactory()
    smooth = smoothing_factory(smoothing)
    stages = stage_set(smoothing_stages, 4, range(1, 5))
    seeds = SeedSequence(mc_dropout_seed)
    block = BLOCKS[block_type]

    inputs = keras.Input(input_shape, name="image")
    x = resnet_stem(inputs, stem, factory, filters=width)
    for s, (planes, blocks) in enumerate(zip(stage_planes(width), stage_blocks), start=1):
        for b in range(1, blocks + 1):
            strides = 2 if s > 1 and b == 1 else 1
            x = block(x, planes, strides, mc_dropout, seeds, factory, f"stage{s}_block{b}",
                      groups=groups, width_per_group=width_per_group)
        if smooth and s in stages:
            x = smooth(f"stage{s}_smooth")(x)
    outputs = classifier_head(x, head, num_classes, factory)
    return keras.Model(inputs, outputs, name=name or f"resnet_{depth}")


def resnext(depth: int = 50, cardinality: int = 32, width_per_group: int | None = None,
            **kwargs) -> keras.Model:
    """ResNeXt-50 (32x4d) or ResNeXt-101 (32x8d): `resnet` with grouped bottlenecks.

    Args:
        depth: 50 or 101.
        cardinality: groups of each bottleneck 3x3 convolution.
        width_per_group: channels per group at the reference width; defaults
            to 4 (depth 50) or 8 (101).
        **kwargs: any other `resnet` argument, e.g. `width` (channels of the
            first stage; the grouped widths scale with it).

    Returns:
        A functional `keras.Model`.
    """
    defaults = {50: 4, 101: 8}
    if depth not in defaults:
        raise ValueError(f"Unsupported ResNeXt depth {depth!r}: expected 50 or 101.")
    per_group = width_per_group or defaults[depth]
    kwargs.setdefault("name", f"resnext_{depth}_{cardinality}x{per_group}d")
    return resnet(depth, groups=cardinality, width_per_group=per_group, **kwargs)


def wide_resnet(depth: int = 50, width_factor: int = 2, **kwargs) -> keras.Model:
    """Wide-ResNet-50/101 (bottleneck width x `width_factor`, torchvision layout).

    Args:
        depth: 50 or 101.
        width_factor: multiplier of the bottleneck width (2 in the reference).
        **kwargs: any other `resnet` argument, e.g. `width` (channels of the
            first stage).

    Returns:
        A functional `keras.Model`.
    """
    if depth not in (50, 101):
        raise ValueError(f"Unsupported Wide-ResNet depth {depth!r}: expected 50 or 101.")
    kwargs.setdefault("name", f"wide_resnet_{depth}_{width_factor}")
    return resnet(depth, width_per_group=64 * width_factor, **kwargs)
