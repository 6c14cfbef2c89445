"""Where spatial smoothing goes: the end of each stage, right before its subsampling.

- Every subsampling node outside the stem (see `subsampling`) subsamples a
  tensor; a `ZeroPadding2D` in front of it belongs to it, so the tensor is
  the padding's input.
- The subsampling nodes that take the network from one spatial size to the
  next form one transition (grouped by input and output size). When they
  subsample one tensor (a ResNet block's strided convolution and its strided
  shortcut in Keras' ResNet50, or in our basic blocks), that tensor is the
  stage end. When they subsample different tensors (a bottleneck whose 3x3
  convolution is strided, ResNet50V2's strided last block, an Inception
  reduction), the stage end is the nearest tensor that every path to them
  passes (their common dominator), if it has the same spatial size: the
  block's input. Otherwise each subsampled tensor is smoothed on its own.
- The smoothing goes on the stage-end tensor once: every consumer of it that
  leads to the transition's subsampling reads the smoothed tensor; other
  consumers read it as before.
- Stage k is the k-th largest spatial size among the stage ends.
"""

from __future__ import annotations

import collections
import dataclasses

import keras

from blur_keras.retrofit.graph import FlatGraph, Node, Tensor
from blur_keras.retrofit.subsampling import (
    before_features, data_format, is_gate, spatial_size, subsampled_inputs)


@dataclasses.dataclass(eq=False)
class SmoothingSite:
    """A tensor to smooth: the nodes that read the smoothed version, its stage and size."""

    tensor: Tensor
    consumers: list
    size: tuple
    data_format: str
    stage: int = 0


def _immediate_dominators(graph: FlatGraph) -> tuple[dict, dict]:
    """Immediate dominator (tensor, None for the virtual root) and depth of every tensor."""
    idom: dict[int, Tensor | None] = {id(t): None for t in graph.inputs}
    depth: dict[int, int] = {id(t): 1 for t in graph.inputs}
    for node in graph.nodes:
        dominator = None
        if node.inputs:
            dominator = node.inputs[0]
            for tensor in node.inputs[1:]:
                dominator = _common(dominator, tensor, idom, depth)
        for tensor in node.outputs:
            idom[id(tensor)] = dominator
            depth[id(tensor)] = 1 if dominator is None else depth[id(dominator)] + 1
    return idom, depth


def _common(a: Tensor | None, b: Tensor | None, idom: dict, depth: dict) -> Tensor | None:
    """Nearest common dominator of two tensors (None: only the virtual root)."""
    while a is not None and b is not None and a is not b:
        if depth[id(a)] >= depth[id(b)]:
            a = idom[id(a)]
        else:
            b = idom[id(b)]
    return a if a is b else None


def _leads_to(start: Node, targets: set, graph: FlatGraph) -> bool:
    """Whether `start` is one of `targets` or some path from it reaches one."""
    reached = {id(t) for t in start.outputs}
    if id(start) in targets:
        return True
    for node in graph.nodes[graph.nodes.index(start) + 1:]:
        if any(id(t) in reached for t in node.inputs):
            if id(node) in targets:
                return True
            reached.update(id(t) for t in node.outputs)
    return False


def _subsampled(graph: FlatGraph) -> dict[tuple, list[tuple[Tensor, Node, str]]]:
    """(input size, output size) -> (subsampled tensor, node reading it, data format)."""
    clear = before_features(graph)
    groups = collections.defaultdict(list)
    for node in graph.nodes:
        inputs = subsampled_inputs(node)
        if not inputs or is_gate(graph, node):
            continue
        fmt = data_format(node)
        for tensor in inputs:
            if clear[id(tensor)]:
                continue        # the stem
            reader = node
            while tensor.producer is not None \
                    and isinstance(tensor.producer.operation, keras.layers.ZeroPadding2D) \
                    and len(tensor.consumers) == 1:
                reader, tensor = tensor.producer, tensor.producer.inputs[0]
            key = (spatial_size(tensor, fmt), spatial_size(node.outputs[0], fmt))
            groups[key].append((tensor, reader, fmt))
    return groups


def smoothing_sites(graph: FlatGraph) -> list[SmoothingSite]:
    """Every stage end outside the stem, with the nodes that read it smoothed and its stage."""
    idom, depth = _immediate_dominators(graph)
    sites: dict[int, SmoothingSite] = {}

    def add(tensor: Tensor, readers: list, fmt: str) -> None:
        site = sites.setdefault(id(tensor), SmoothingSite(
            tensor, [], spatial_size(tensor, fmt), fmt))
        site.consumers.extend(r for r in readers if r not in site.consumers)

    for (size, _), members in _subsampled(graph).items():
        tensors = list({id(t): t for t, _, _ in members}.values())
        fmt = members[0][2]
        end = tensors[0]
        for tensor in tensors[1:]:
            end = _common(end, tensor, idom, depth)
        if len(tensors) > 1 and end is not None and spatial_size(end, fmt) == size:
            readers = {id(reader) for _, reader, _ in members}
            add(end, [c for c in end.consumers if _leads_to(c, readers, graph)], fmt)
        else:
            for tensor, reader, fmt in members:
                add(tensor, [reader], fmt)
    sizes = sorted({site.size for site in sites.values()},
                   key=lambda size: (size[0] * size[1], size), reverse=True)
    for site in sites.values():
        site.stage = sizes.index(site.size) + 1
    return list(sites.values())
