"""Which layers of a flat graph subsample, and which belong to the stem.

- A node *subsamples* when an input feature map (rank 4, spatial size known)
  is larger than its output: a strided convolution or pooling, or a global
  pooling of a map larger than 1x1. Layers with `strides` of 1 (a "valid"
  convolution shrinks the map but does not subsample), cropping, padding and
  reshaping layers never subsample.
- A global pooling whose result is merged back into a feature map (a
  squeeze-and-excitation gate, e.g. in EfficientNet) does not subsample: the
  map goes on at full size.
- The *stem*: a subsampling node is in the stem when no path from a model
  input to it passes a weight layer (a layer with a kernel) that does not
  subsample itself, e.g. ResNet's 7x7/2 convolution and 3x3/2 max pool, or
  ConvNeXt's 4x4/4 patch convolution; VGG has no stem subsampling.
"""

from __future__ import annotations

import keras

from blur_keras.retrofit.graph import FlatGraph, Node, RetrofitError, Tensor

#: Layers that change the spatial size without subsampling (or only reshape).
NOT_SUBSAMPLING = (keras.layers.Cropping2D, keras.layers.ZeroPadding2D, keras.layers.UpSampling2D,
                   keras.layers.Flatten, keras.layers.Reshape, keras.layers.Permute)


def data_format(node: Node) -> str:
    """The node's data format: its layer's own, else Keras' global one."""
    fmt = getattr(node.operation, "data_format", None)
    return fmt if fmt in ("channels_last", "channels_first") else keras.config.image_data_format()


def spatial_size(tensor: Tensor, fmt: str) -> tuple | None:
    """`(height, width)` of a rank-4 tensor, None for other ranks."""
    shape = tensor.shape
    if len(shape) != 4:
        return None
    return tuple(shape[1:3]) if fmt == "channels_last" else tuple(shape[2:4])


def area(tensor: Tensor, fmt: str) -> int:
    """Pixels of a feature map (0 for other tensors and unknown sizes)."""
    size = spatial_size(tensor, fmt)
    return 0 if size is None or None in size else size[0] * size[1]


def has_kernel(operation) -> bool:
    """Whether the operation is a weight layer: one of its weights is a kernel."""
    return isinstance(operation, keras.layers.Layer) and any(
        "kernel" in weight.name for weight in operation.weights)


def _strides_all_one(operation) -> bool:
    strides = getattr(operation, "strides", None)
    if strides is None:
        return False
    values = strides if isinstance(strides, (tuple, list)) else (strides,)
    return all(s == 1 for s in values)


def subsampled_inputs(node: Node) -> list[Tensor]:
    """The node's input feature maps that it subsamples (empty: it does not subsample)."""
    operation = node.operation
    if isinstance(operation, NOT_SUBSAMPLING) or _strides_all_one(operation) or not node.outputs:
        return []
    fmt = data_format(node)
    output = node.outputs[0]
    out = spatial_size(output, fmt)
    result = []
    for tensor in node.inputs:
        size = spatial_size(tensor, fmt)
        if size is None or tensor in result:
            continue
        if None in size:
            raise RetrofitError(
                f"layer {node.name!r} reads a feature map of unknown spatial size "
                f"{tensor.shape}; retrofit needs fixed spatial sizes: build the model with a fixed "
                f"input shape.")
        if out is None:
            subsampled = size[0] * size[1] > 1 and len(output.shape) < 4
        else:
            subsampled = None not in out and (out[0] < size[0] or out[1] < size[1])
        if subsampled:
            result.append(tensor)
    return result


def is_gate(graph: FlatGraph, node: Node) -> bool:
    """Whether a global pooling's result is merged back into a feature map (SE-style gate)."""
    output = node.outputs[0]
    if area(output, data_format(node)) > 1:
        return False
    downstream = {id(output)}
    for later in graph.nodes[graph.nodes.index(node) + 1:]:
        reached = [id(t) in downstream for t in later.inputs]
        if not any(reached):
            continue
        fmt = data_format(later)
        if any(not r and area(t, fmt) > 1 for t, r in zip(later.inputs, reached)):
            return True
        downstream.update(id(t) for t in later.outputs)
    return False


def before_features(graph: FlatGraph) -> dict[int, bool]:
    """Tensor id -> no path from an input to it passes a non-subsampling weight layer."""
    flags = {id(tensor): True for tensor in graph.inputs}
    for node in graph.nodes:
        clear = all(flags[id(tensor)] for tensor in node.inputs)
        if clear and has_kernel(node.operation) and not subsampled_inputs(node):
            clear = False
        for tensor in node.outputs:
            flags[id(tensor)] = clear
    return flags
