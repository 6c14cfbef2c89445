"""`retrofit`: spatial smoothing (and MC dropout) added to a CNN someone already trained."""

from __future__ import annotations

from typing import Any, Iterable

import keras

from blur_keras.layers import Blur, MCDropout, SpatialSmoothing
from blur_keras.models.components import SeedSequence
from blur_keras.models.options import SMOOTHING_KEYS, reference_padding
from blur_keras.retrofit.dropout_sites import dropout_sites
from blur_keras.retrofit.graph import FlatGraph, RetrofitError, flatten
from blur_keras.retrofit.rebuild import Rebuilder
from blur_keras.retrofit.smoothing_sites import SmoothingSite, smoothing_sites

#: `smoothing=True`: the paper's Prob and blur (tanh, t = 10, 2x2 box), size-preserving padding.
RETROFIT_SMOOTHING = {"prob": "tanh", "temperature": None, "kernel": (1, 1), "padding": "same",
                      "pad_mode": "constant"}


def smoothing_config(smoothing: Any) -> dict | None:
    """The `SpatialSmoothing` arguments of a `retrofit(smoothing=...)` argument (None: none).

    Args:
        smoothing: `None`/`False`, `True`, or a dict with any of `prob`,
            `temperature`, `kernel`, `padding`, `pad_mode`; missing ones take
            `RETROFIT_SMOOTHING` (`temperature` None: the Prob kind's
            reference temperature). `padding="reference"` is the reference
            code's: `"full"` for the 2x2 box blur, `"same"` for other kernels.

    Returns:
        The full argument dict, validated, or None.
    """
    if smoothing is None or smoothing is False:
        return None
    if smoothing is True:
        smoothing = {}
    if not isinstance(smoothing, dict):
        raise ValueError(f"smoothing must be True, False/None or a dict of SpatialSmoothing "
                         f"arguments {list(SMOOTHING_KEYS)}; received {smoothing!r}.")
    unknown = sorted(set(smoothing) - set(SMOOTHING_KEYS))
    if unknown:
        raise ValueError(f"Invalid smoothing config {smoothing!r}: unknown keys {unknown}; "
                         f"expected SpatialSmoothing arguments {list(SMOOTHING_KEYS)}.")
    config = {**RETROFIT_SMOOTHING, **smoothing}
    if config["padding"] == "reference":
        config["padding"] = reference_padding(config["kernel"])
    SpatialSmoothing(**config)     # validates every value now
    config["kernel"] = tuple(config["kernel"])
    return config


def _check_rate(mc_dropout, mc_dropout_seed) -> None:
    if isinstance(mc_dropout, bool) or not isinstance(mc_dropout, (int, float)) \
            or not 0 <= mc_dropout < 1:
        raise ValueError(f"mc_dropout must be a rate in [0, 1); received {mc_dropout!r}.")
    if mc_dropout_seed is not None and (isinstance(mc_dropout_seed, bool)
                                        or not isinstance(mc_dropout_seed, int)):
        raise ValueError(f"mc_dropout_seed must be an integer or None; received "
                         f"{mc_dropout_seed!r}.")


def _check_not_there(graph: FlatGraph, smoothing: bool, mc_dropout: bool) -> None:
    def names(kinds):
        return [node.name for node in graph.nodes if isinstance(node.operation, kinds)]
    smoothed = names((SpatialSmoothing, Blur))
    if smoothing and smoothed:
        raise RetrofitError(
            f"model {graph.model.name!r} already smooths ({', '.join(smoothed[:3])}"
            f"{', ...' if len(smoothed) > 3 else ''}); pass smoothing=False to add MC dropout "
            f"only.")
    dropped = names(MCDropout)
    if mc_dropout and dropped:
        raise RetrofitError(
            f"model {graph.model.name!r} already has MC dropout ({', '.join(dropped[:3])}"
            f"{', ...' if len(dropped) > 3 else ''}); pass mc_dropout=0 to add smoothing only.")


def _chosen_sites(graph: FlatGraph, stages: Iterable[int] | None) -> list[SmoothingSite]:
    sites = smoothing_sites(graph)
    if not sites:
        raise RetrofitError(
            f"model {graph.model.name!r} subsamples nowhere after its stem: there is no stage "
            f"end to smooth.")
    sizes = {site.stage: site.size for site in sites}
    if stages is None:
        return sites
    chosen = set(stages) if not isinstance(stages, (str, bytes)) else {stages}
    invalid = sorted((s for s in chosen if isinstance(s, bool) or not isinstance(s, int)
                      or s not in sizes), key=str)
    if invalid or not chosen:
        listing = ", ".join(f"{stage}: {h}x{w}" for stage, (h, w) in sorted(sizes.items()))
        raise ValueError(f"stages must be stage numbers of model {graph.model.name!r} "
                         f"({listing}); received {sorted(chosen, key=str)}.")
    return [site for site in sites if site.stage in chosen]


def retrofit(model: keras.Model, smoothing: bool | dict | None = True, *,
             stages: Iterable[int] | None = None, mc_dropout: float = 0.0,
             mc_dropout_seed: int | None = None, name: str | None = None) -> keras.Model:
    """A copy of a trained CNN with spatial smoothing (and MC dropout) inserted.

    Smoothing goes where Park & Kim (2022) put it: at the end of each stage,
    right before its subsampling (strided convolution, pooling, global
    pooling), the stem excepted; once per stage end, read by every layer
    that leads to the subsampling. MC dropout goes where the registry's
    `mcdo` variants have it: before the last weight layer of every residual
    branch, or, in a network without merges, after every convolution and its
    normalisation/activation. The modules `subsampling`, `smoothing_sites`
    and `dropout_sites` of `blur_keras.retrofit` state the rules in full.
    Every original layer is a clone with the original's weights; the
    original model is left untouched. Nested functional and
    Sequential models are inlined; a Sequential model without nested models
    gives a Sequential model.

    The inserted layers are named after the layer whose output they read:
    `<layer>_smoothing` and `<layer>_mc_dropout`; `describe(result)` lists
    them (also after a `.keras` round trip), with their stage and
    arguments.

    Args:
        model: a functional or Sequential `keras.Model` with fixed spatial
            input sizes.
        smoothing: `True` (tanh, t = 10, 2x2 box blur, size-preserving
            `"same"` padding), `False`/`None` (none), or a dict of
            `SpatialSmoothing` arguments (`prob`, `temperature`, `kernel`,
            `padding`, `pad_mode`); missing ones take those defaults.
            `padding="reference"` (or `"full"`) is the reference code's:
            the map grows by one pixel before each subsampling, which changes
            downstream spatial sizes; a model whose weights or outputs
            depend on them (e.g. Flatten -> Dense at odd sizes) is refused.
        stages: 1-based stages to smooth (stage 1 ends at the largest
            subsampled size); default all.
        mc_dropout: MC dropout rate in [0, 1); 0 adds none. The `mcdo`
            variants use 0.3 on CIFAR-size inputs, 0.05 on ImageNet (0.1 for
            AlexNet).
        mc_dropout_seed: base seed of the MC dropout layers (layer i gets
            seed + i), as in the builders.
        name: the new model's name (default: `<model name>_retrofit`).

    Returns:
        The new model (Sequential for a flat Sequential input, functional
        otherwise), with the original's inputs and outputs.

    Raises:
        RetrofitError: (a `ValueError`) the model cannot be rewritten: a
            subclassed model, a layer that does not rebuild from its config
            in safe mode (Lambda, unregistered), unknown spatial sizes, no
            subsampling after the stem, smoothing or MC dropout already
            there, or shapes broken by a size-changing padding. One line
            says why.
        ValueError: invalid `smoothing`, `stages` or `mc_dropout`.

    Example:

    >>> base = keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=10)
    >>> model = retrofit(base, mc_dropout=0.05)
    >>> [entry["after"] for entry in describe(model) if entry["kind"] == "smoothing"]
    ['conv2_block3_out', 'conv3_block4_out', 'conv4_block6_out', 'conv5_block3_out']
    """
    config = smoothing_config(smoothing)
    _check_rate(mc_dropout, mc_dropout_seed)
    if config is None and not mc_dropout:
        raise ValueError("retrofit with smoothing off and mc_dropout=0 would insert nothing; "
                         "pass smoothing=True (or a dict) and/or a dropout rate.")
    graph = flatten(model)
    _check_not_there(graph, config is not None, bool(mc_dropout))
    smooth = {}
    if config is not None:
        for site in _chosen_sites(graph, stages):
            def make(layer_name, dtype, fmt=site.data_format):
                return SpatialSmoothing(**config, data_format=fmt, dtype=dtype, name=layer_name)
            smooth[id(site.tensor)] = (make, site.consumers)
    elif stages is not None:
        raise ValueError("stages chooses where smoothing goes; it needs smoothing on.")
    dropout = {}
    if mc_dropout:
        sites = dropout_sites(graph)
        if not sites:
            raise RetrofitError(f"model {graph.model.name!r} has no convolution to put MC "
                                f"dropout after or before.")
        seeds = SeedSequence(mc_dropout_seed)
        for tensor in sites:
            def make(layer_name, dtype, seed=seeds.next()):
                return MCDropout(mc_dropout, seed=seed, dtype=dtype, name=layer_name)
            dropout[id(tensor)] = make
    hint = "" if config is None or config["padding"] == "same" else (
        f" Smoothing with padding {config['padding']!r} changes the spatial size of every "
        f"smoothed map; use padding 'same' (size-preserving) for this model.")
    rebuilder = Rebuilder(graph, dropout, smooth, hint)
    name = name or f"{model.name}_retrofit"
    result = rebuilder.build(name)
    if isinstance(model, keras.Sequential) and all(not node.scope for node in graph.nodes):
        kt = graph.inputs[0].keras_tensor
        return keras.Sequential(
            [keras.Input(batch_shape=kt.shape, dtype=kt.dtype)] + rebuilder.layers, name=name)
    return result
