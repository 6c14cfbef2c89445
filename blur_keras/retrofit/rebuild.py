"""Rebuilds a flat graph with new layers inserted on chosen tensors, every weight copied.

Every original layer is cloned through its serialised config in safe mode
(what loading a `.keras` file does, so a layer that would not load is refused
here), called once per original call (a shared layer stays shared), and gets
the original's weights. The original model is left untouched. An inserted
layer computes in the dtype policy of the layer whose output it reads (a
mixed-precision model stays mixed).
"""

from __future__ import annotations

from typing import Callable

import keras
from keras import tree

from blur_keras.retrofit.graph import FlatGraph, Node, RetrofitError, Tensor

#: Makes the layer inserted on a tensor, given its name and dtype policy (None: the global one).
LayerMaker = Callable[[str, object], keras.layers.Layer]


def unique_name(base: str, used_names: set) -> str:
    """`base`, or `base_1`, `base_2`, ... when taken; the name is then taken."""
    name, i = base, 1
    while name in used_names:
        name, i = f"{base}_{i}", i + 1
    used_names.add(name)
    return name


def _deserialize(config: dict, name: str):
    try:
        return keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # noqa: BLE001 (any failure means: cannot be rebuilt)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise RetrofitError(
            f"layer {name!r} ({config.get('class_name')}) cannot be rebuilt from its config in "
            f"safe mode ({type(error).__name__}: {first_line}); retrofit (and loading the result) "
            f"needs layers registered with keras.saving.register_keras_serializable and no "
            f"Lambda layers.") from None


def _clone(operation, used_names: set, scope: tuple):
    """A fresh copy of `operation` from its config; renamed when inlining made its name clash."""
    config = keras.saving.serialize_keras_object(operation)
    config.pop("build_config", None)       # built again by its call in the new graph
    if operation.name in used_names:
        name = unique_name("_".join(scope + (operation.name,)), used_names)
        config["config"] = {**config["config"], "name": name}
    else:
        used_names.add(operation.name)
    return _deserialize(config, operation.name)


class Rebuilder:
    """Clones a flat graph and inserts layers on tensors.

    Args:
        graph: the flat graph of the original model.
        dropout: tensor id -> maker of the layer every consumer reads it through.
        smoothing: tensor id -> (maker, consumers that read it through the
            layer); the others read it as before. A tensor with both reads
            the dropout first.
        size_hint: a sentence appended to shape errors (why shapes may differ).
    """

    def __init__(self, graph: FlatGraph, dropout: dict[int, LayerMaker],
                 smoothing: dict[int, tuple[LayerMaker, list]], size_hint: str = ""):
        self.graph = graph
        self.dropout = dropout
        self.smoothing = smoothing
        self.size_hint = size_hint
        self.used_names: set[str] = set()
        self.clones: dict[int, object] = {}
        self.values: dict[int, object] = {}
        self.inserted: dict[tuple[str, int], object] = {}
        #: Every layer of the new model in call order (originals' clones and inserted ones).
        self.layers: list = []

    def target_name(self, tensor: Tensor) -> str:
        """Name of the new layer that produced `tensor` (the input's name for inputs)."""
        if tensor.producer is None:
            return tensor.keras_tensor._keras_history.operation.name
        node = tensor.producer
        name = self.clones[id(node.operation)].name
        if node.call_index:
            name = f"{name}_call{node.call_index}"
        if len(node.outputs) > 1:
            name = f"{name}_output{node.outputs.index(tensor)}"
        return name

    def _insert(self, kind: str, tensor: Tensor, value, maker: LayerMaker):
        key = (kind, id(tensor))
        if key not in self.inserted:
            name = unique_name(f"{self.target_name(tensor)}_{kind}", self.used_names)
            producer = tensor.producer and self.clones[id(tensor.producer.operation)]
            layer = maker(name, getattr(producer, "dtype_policy", None))
            self.layers.append(layer)
            self.inserted[key] = layer(value)
        return self.inserted[key]

    def _value_for(self, tensor: Tensor, consumer: Node):
        value = self.values[id(tensor)]
        if id(tensor) in self.dropout:
            value = self._insert("mc_dropout", tensor, value, self.dropout[id(tensor)])
        if id(tensor) in self.smoothing:
            maker, consumers = self.smoothing[id(tensor)]
            if consumer in consumers:
                value = self._insert("smoothing", tensor, value, maker)
        return value

    def build(self, name: str) -> keras.Model:
        """The new functional model, weights copied from the original layers."""
        self.used_names.update(
            tensor.keras_tensor._keras_history.operation.name for tensor in self.graph.inputs)
        for node in self.graph.nodes:
            if id(node.operation) not in self.clones:
                self.clones[id(node.operation)] = _clone(node.operation, self.used_names,
                                                         node.scope)
        for tensor in self.graph.inputs:
            kt = tensor.keras_tensor
            self.values[id(tensor)] = keras.Input(
                batch_shape=kt.shape, dtype=kt.dtype, sparse=kt.sparse,
                name=kt._keras_history.operation.name)
        for node in self.graph.nodes:
            self._call(node)
        inputs = tree.map_structure(lambda t: self.values[id(t)], self.graph.inputs_struct)
        outputs = tree.map_structure(lambda t: self.values[id(t)], self.graph.outputs_struct)
        self._check_outputs(outputs)
        model = keras.Model(inputs, outputs, name=name)
        self._copy_weights()
        return model

    def _call(self, node: Node) -> None:
        clone = self.clones[id(node.operation)]
        values = {id(kt): self._value_for(tensor, node)
                  for kt, tensor in zip(node.arguments.keras_tensors, node.inputs)}
        args, kwargs = node.arguments.fill_in(values)
        kwargs = {**node.call_kwargs, **kwargs}
        try:
            outputs = clone(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 (reported with the layer's name)
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise RetrofitError(
                f"layer {node.name!r} ({type(node.operation).__name__}) does not accept its new "
                f"inputs ({type(error).__name__}: {message}).{self.size_hint}") from None
        if clone not in self.layers:
            self.layers.append(clone)
        for tensor, value in zip(node.outputs, tree.flatten(outputs)):
            self.values[id(tensor)] = value

    def _check_outputs(self, outputs) -> None:
        for old, new in zip(tree.flatten(self.graph.outputs_struct), tree.flatten(outputs)):
            if tuple(old.shape) != tuple(new.shape):
                raise RetrofitError(
                    f"the output {self.target_name(old)!r} would change shape from "
                    f"{tuple(old.shape)} to {tuple(new.shape)}.{self.size_hint}")

    def _copy_weights(self) -> None:
        originals = {id(node.operation): node.operation for node in self.graph.nodes}
        for key, original in originals.items():
            clone = self.clones[key]
            if not isinstance(original, keras.layers.Layer):
                continue
            old = original.get_weights()
            new = [tuple(w.shape) for w in clone.weights]
            if [tuple(w.shape) for w in old] != new:
                raise RetrofitError(
                    f"layer {original.name!r} would need weights of shapes {new} instead of its "
                    f"{[tuple(w.shape) for w in old]}.{self.size_hint}")
            clone.set_weights(old)
