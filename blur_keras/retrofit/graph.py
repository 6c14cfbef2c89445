"""A functional or Sequential Keras model as one flat graph of layer calls.

Nested functional and Sequential models are inlined (their layers become
nodes of the one graph), so a placement rule sees the whole network, e.g. a
`keras.applications` backbone wrapped in a Sequential, or ConvNeXt's
downsampling blocks. Anything whose graph cannot be read is refused with a
`RetrofitError` that says why.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
from keras import tree
from keras.src.models.functional import Functional


class RetrofitError(ValueError):
    """A model that `retrofit` cannot rewrite; the message says why in one line."""


@dataclasses.dataclass(eq=False)
class Tensor:
    """One symbolic tensor of the flat graph."""

    keras_tensor: Any
    producer: "Node | None"         # None: a model input
    consumers: list = dataclasses.field(default_factory=list)

    @property
    def shape(self) -> tuple:
        return tuple(self.keras_tensor.shape)


@dataclasses.dataclass(eq=False)
class Node:
    """One call of an operation (a layer, or a `keras.ops` call such as `x + y`).

    `inputs` is aligned with `arguments.keras_tensors`: one flat-graph tensor
    per symbolic tensor in the call's arguments. `call_kwargs` are keyword
    arguments inherited from an inlined model's call (`training`).
    """

    operation: Any
    arguments: Any
    inputs: list
    outputs: list = dataclasses.field(default_factory=list)
    call_kwargs: dict = dataclasses.field(default_factory=dict)
    call_index: int = 0              # how many earlier calls of the same operation
    scope: tuple = ()                # names of the inlined models around it

    @property
    def name(self) -> str:
        return self.operation.name


@dataclasses.dataclass
class FlatGraph:
    """The model's inputs, nodes in an order where producers come first, and outputs."""

    model: keras.Model
    inputs: list
    inputs_struct: Any
    nodes: list
    outputs_struct: Any


def model_graph(model, where: str = "") -> Functional:
    """The functional graph of `model`, or a `RetrofitError` saying why there is none."""
    label = f"{where}{getattr(model, 'name', type(model).__name__)!r}"
    if isinstance(model, keras.Sequential):
        if model._functional is None:
            raise RetrofitError(
                f"Sequential model {label} has no input yet: give it a keras.Input (or build it "
                f"with a fixed input shape) before retrofitting.")
        return model._functional
    if type(model) is Functional:
        return model
    if isinstance(model, keras.Model):
        kind = "a subclass of the functional Model" if isinstance(model, Functional) \
            else "a subclassed Model"
        raise RetrofitError(
            f"{label} is {kind} ({type(model).__name__}), whose graph or behaviour retrofit "
            f"cannot rebuild; retrofit takes functional and Sequential models.")
    raise RetrofitError(f"retrofit takes a functional or Sequential keras.Model; received "
                        f"{type(model).__name__}.")


def flatten(model: keras.Model) -> FlatGraph:
    """The flat graph of a functional or Sequential model, nested models inlined.

    Raises:
        RetrofitError: a subclassed model (at the top or nested), an unbuilt
            Sequential model, or a nested model called in a way that cannot
            be inlined.
    """
    graph = model_graph(model)
    inputs = [Tensor(kt, None) for kt in graph.inputs]
    mapping = {id(kt): tensor for kt, tensor in zip(graph.inputs, inputs)}
    nodes: list[Node] = []
    calls: dict[int, int] = {}
    _inline(graph, mapping, nodes, calls, scope=(), call_kwargs={})
    inputs_struct = tree.map_structure(lambda kt: mapping[id(kt)], graph._inputs_struct)
    outputs_struct = tree.map_structure(lambda kt: mapping[id(kt)], graph._outputs_struct)
    return FlatGraph(model, inputs, inputs_struct, nodes, outputs_struct)


def _inline(graph, mapping: dict, nodes: list, calls: dict, scope: tuple,
            call_kwargs: dict) -> None:
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        for keras_node in graph._nodes_by_depth[depth]:
            operation = keras_node.operation
            if operation is None or keras_node.is_input:
                continue
            inputs = [mapping[id(kt)] for kt in keras_node.input_tensors]
            if isinstance(operation, keras.Model):
                _inline_model(operation, keras_node, inputs, mapping, nodes, calls, scope,
                              call_kwargs)
                continue
            node = Node(operation, keras_node.arguments, inputs,
                        call_kwargs=dict(call_kwargs) if isinstance(operation, keras.layers.Layer)
                        else {},
                        call_index=calls.get(id(operation), 0), scope=scope)
            calls[id(operation)] = node.call_index + 1
            for tensor in inputs:
                if node not in tensor.consumers:
                    tensor.consumers.append(node)
            node.outputs = [Tensor(kt, node) for kt in keras_node.outputs]
            for kt, tensor in zip(keras_node.outputs, node.outputs):
                mapping[id(kt)] = tensor
            nodes.append(node)


def _inline_model(model, keras_node, inputs, mapping, nodes, calls, scope, call_kwargs):
    inner = model_graph(model, where="nested model ")
    kwargs = keras_node.arguments.kwargs
    unknown = sorted(key for key, value in kwargs.items()
                     if key != "training" and not (key == "mask" and value is None))
    if unknown:
        raise RetrofitError(
            f"nested model {model.name!r} is called with {unknown}; retrofit can inline nested "
            f"models called on their inputs (and `training=`) only.")
    args = keras_node.arguments.args
    structure = args[0] if len(args) == 1 else args
    if isinstance(structure, dict) or len(inputs) != len(inner.inputs):
        raise RetrofitError(
            f"nested model {model.name!r} is called on {len(inputs)} tensors in a structure "
            f"retrofit cannot match to its {len(inner.inputs)} inputs; call it on a tensor or a "
            f"list of tensors.")
    inner_mapping = {id(kt): tensor for kt, tensor in zip(inner.inputs, inputs)}
    merged = dict(call_kwargs)
    if "training" in kwargs:
        merged["training"] = kwargs["training"]
    _inline(inner, inner_mapping, nodes, calls, scope + (model.name,), merged)
    for kt, inner_kt in zip(keras_node.outputs, inner.outputs):
        mapping[id(kt)] = inner_mapping[id(inner_kt)]
