"""Which layers the analyses tap (block outputs and smoothing layers), and their feature maps."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import keras

#: A block's layers share a prefix: `stage{s}_block{b}` (ResNet families),
#: `stage{s}_conv{c}` (VGG families: one conv unit), `conv{i}` (AlexNet).
_BLOCK = re.compile(r"^(stage\d+_block\d+|stage\d+_conv\d+|conv\d+)(?:_|$)")
_SMOOTHING = re.compile(r"^stage\d+_smooth$")


def tapped_layer_names(model: keras.Model) -> list[str]:
    """The output layer of every block and every smoothing layer, in network order.

    A block's output is its last layer in the model's (topological) layer
    order: `stage{s}_block{b}_out` in ResNet/ResNeXt/Wide-ResNet,
    `stage{s}_block{b}_add` in pre-activation ResNets, the ReLU (or MC
    dropout) of each conv unit `stage{s}_conv{c}` in VGG, the conv itself (or
    its MC dropout) in pre-activation VGG, and `conv{i}_relu` (or
    `conv{i}_dropout`) in AlexNet. Smoothing layers are `stage{s}_smooth`.

    Args:
        model: a model built by `blur_keras.models` (or one that names its
            layers the same way).

    Returns:
        Layer names, e.g. `["stage1_block1_out", ..., "stage1_smooth", ...]`.

    Raises:
        ValueError: no layer of `model` is named like a block or smoothing layer.

    Example:

    >>> model = blur_keras.models.resnet(18, smoothing=True, width=8)
    >>> tapped_layer_names(model)[:3]
    ['stage1_block1_out', 'stage1_block2_out', 'stage1_smooth']
    """
    last_of_block: dict[str, str] = {}
    order: list[str] = []
    for layer in model.layers:
        match = _BLOCK.match(layer.name)
        if match:
            prefix = match.group(1)
            if prefix not in last_of_block:
                order.append(prefix)
            last_of_block[prefix] = layer.name
        elif _SMOOTHING.match(layer.name):
            order.append(layer.name)
    names = [last_of_block.get(key, key) for key in order]
    if not names:
        raise ValueError(
            f"Model {model.name!r} has no layer named like a block output (stage<s>_block<b>_*, "
            f"stage<s>_conv<c>_*, conv<i>_*) or a smoothing layer (stage<s>_smooth); pass "
            f"layer_names explicitly.")
    return names


def check_layer_names(model: keras.Model, layer_names: Sequence[str]) -> list[str]:
    """`layer_names` as a list, after checking that each names a layer of `model`."""
    names = [layer_names] if isinstance(layer_names, str) else list(layer_names)
    known = {layer.name for layer in model.layers}
    unknown = [name for name in names if name not in known]
    if not names or unknown:
        raise ValueError(f"layer_names must name layers of model {model.name!r}; unknown: "
                         f"{unknown or 'none given'}. tapped_layer_names(model) lists the "
                         f"block outputs and smoothing layers.")
    return names


def feature_extractor(model: keras.Model, layer_names: Sequence[str]) -> keras.Model:
    """A model from `model`'s input to the outputs of `layer_names` (shared weights)."""
    names = check_layer_names(model, layer_names)
    return keras.Model(model.inputs, [model.get_layer(name).output for name in names])


def feature_maps(model: keras.Model, images, layer_names: Sequence[str]) -> dict[str, np.ndarray]:
    """One forward pass (inference mode; MC layers sample) and the maps of `layer_names`.

    Args:
        model: a functional or sequential Keras model.
        images: a batch of inputs.
        layer_names: layers whose outputs to return.

    Returns:
        `{layer name: NumPy array}`, in the order of `layer_names`.
    """
    names = check_layer_names(model, layer_names)
    outputs = feature_extractor(model, names).predict_on_batch(np.asarray(images))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(output) for name, output in zip(names, outputs)}
