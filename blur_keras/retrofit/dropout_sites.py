"""Where MC dropout goes, as the registry's `mcdo` variants have it.

- In a network with residual or dense connections (an `Add` or `Concatenate`
  of feature maps, as a layer or a `keras.ops` call), MC dropout goes before
  the last weight layer of every branch: walking back from the merge through
  layers without a kernel that keep the shape (normalisation, activation,
  dropout, scaling), on a path nothing else reads, to the first weight layer;
  the dropout goes on that layer's input when nothing else reads it. A
  shortcut (the block's input, or a projection of it) is read by the branch
  too, so it gets none. This is where `resnet_mcdo_*` and
  `preresnet_mcdo_*` have it (before the last convolution of each block).
- In a network without merges (`vgg_mcdo_*`, `alexnet_mcdo`), MC dropout goes
  after every convolution (a weight layer with a feature-map output) and the
  normalisation and activation layers that directly follow it.
- Never before the classifier: the `mcdo` variants have none there.
"""

from __future__ import annotations

import keras

from blur_keras.retrofit.graph import FlatGraph, Node, Tensor
from blur_keras.retrofit.subsampling import has_kernel

#: Layers that may follow a convolution before its MC dropout (networks without merges).
NORMALISATION_AND_ACTIVATION = (
    keras.layers.BatchNormalization, keras.layers.LayerNormalization,
    keras.layers.GroupNormalization, keras.layers.Activation, keras.layers.ReLU,
    keras.layers.LeakyReLU, keras.layers.PReLU, keras.layers.ELU)
#: Class names of the merges that mark residual (`Add`) and dense (`Concatenate`) connections.
MERGES = ("Add", "Concatenate")


def _is_merge(node: Node) -> bool:
    return type(node.operation).__name__ in MERGES \
        and sum(len(tensor.shape) == 4 for tensor in node.inputs) >= 2


def _keeps_shape(node: Node) -> bool:
    return len(node.inputs) == 1 and len(node.outputs) == 1 \
        and node.inputs[0].shape == node.outputs[0].shape


def _branch_input(tensor: Tensor) -> Tensor | None:
    """The input of the last weight layer of the branch ending in `tensor`, if it has one."""
    while len(tensor.consumers) == 1 and tensor.producer is not None:
        node = tensor.producer
        if has_kernel(node.operation):
            source = node.inputs[0] if len(node.inputs) == 1 else None
            if source is not None and len(source.consumers) == 1 and len(source.shape) == 4:
                return source
            return None
        if _is_merge(node) or not _keeps_shape(node):
            return None
        tensor = node.inputs[0]
    return None


def _after_activation(tensor: Tensor) -> Tensor:
    while len(tensor.consumers) == 1 \
            and isinstance(tensor.consumers[0].operation, NORMALISATION_AND_ACTIVATION) \
            and _keeps_shape(tensor.consumers[0]):
        tensor = tensor.consumers[0].outputs[0]
    return tensor


def dropout_sites(graph: FlatGraph) -> list[Tensor]:
    """Tensors that get MC dropout (every consumer reads them through it), in graph order."""
    merges = [node for node in graph.nodes if _is_merge(node)]
    found: dict[int, Tensor] = {}
    if merges:
        for node in merges:
            for tensor in node.inputs:
                site = _branch_input(tensor) if len(tensor.shape) == 4 else None
                if site is not None:
                    found.setdefault(id(site), site)
    else:
        for node in graph.nodes:
            if has_kernel(node.operation) and len(node.outputs) == 1 \
                    and len(node.outputs[0].shape) == 4:
                site = _after_activation(node.outputs[0])
                if site.consumers:
                    found.setdefault(id(site), site)
    order = {id(t): i for i, t in enumerate(
        list(graph.inputs) + [t for node in graph.nodes for t in node.outputs])}
    return sorted(found.values(), key=lambda tensor: order[id(tensor)])
