"""`TrainConfig.init_from`: the trained model a fine-tuning run starts from, checked and loaded.

A run with `init_from` builds its model by loading that model, weights kept, and, with
`TrainConfig.retrofit`, by retrofitting it (`blur_keras.retrofit`). The source is a zoo preset
name, a preset directory, a `.keras` file or a training run directory (its `model.keras`). The
run's `model` and `model_args` name the source's registry architecture: where the source records
it (a preset's card, a run's `run.json`) they must agree with the record, and `model_args` left
out are taken from it; a bare `.keras` file must hold exactly the registry model they build.
So the run's `model.keras` is always `model` built with `model_args`, retrofitted with
`retrofit` when that is set.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import keras

from blur_keras import models, protocol
from blur_keras.integrity import sha256

PRESET, PRESET_DIRECTORY, KERAS_FILE, RUN_DIRECTORY = (
    "preset", "preset_directory", "keras_file", "run_directory")
#: Builder arguments that do not shape the network's weights and may differ from the record.
_NOT_COMPARED = ("kl_weight",)


@dataclasses.dataclass(frozen=True)
class InitSource:
    """A checked `init_from` (see `resolve_init`).

    Attributes:
        kind: `"preset"`, `"preset_directory"`, `"keras_file"` or `"run_directory"`.
        location: the preset name, or the absolute path (`~` expanded).
        record: what the source says it is: `{"model", "arguments" (every
            builder argument, the dataset protocol's included), "retrofit",
            "where"}`, or None for a `.keras` file outside a run directory.
    """

    kind: str
    location: str
    record: dict[str, Any] | None = None

    @property
    def keras_file(self) -> str | None:
        """The `.keras` file it loads from (None for presets, built from their card)."""
        if self.kind == RUN_DIRECTORY:
            return os.path.join(self.location, "model.keras")
        return self.location if self.kind == KERAS_FILE else None


def _unknown(init_from: str, presets: list[str] = ()) -> ValueError:
    import difflib
    close = difflib.get_close_matches(init_from, presets, n=3, cutoff=0.6)
    return ValueError(
        f"init_from {init_from!r} is not a zoo preset (python -m blur_keras.zoo list), a .keras "
        f"file or a training run directory (with run.json and model.keras)"
        + (f"; closest presets: {', '.join(close)}." if close else "."))


def _json(value: Any) -> Any:
    """`value` as JSON gives it back (tuples as lists)."""
    return json.loads(json.dumps(value))


def _builder_arguments(model: str, model_args: dict, dataset: str) -> dict:
    """Every builder argument of `model` with `model_args` for `dataset`, as JSON values."""
    spec = protocol.for_dataset(models.parse(model).with_arguments(**model_args), dataset)
    return {key: value for key, value in _json(dict(spec.arguments)).items()
            if key not in _NOT_COMPARED}


def _run_record(run_file: str) -> dict:
    with open(run_file) as f:
        run = json.load(f)
    return {"model": run["model"],
            "arguments": _builder_arguments(run["model"], run.get("model_args") or {},
                                            run["dataset"]),
            "retrofit": run.get("retrofit"), "where": f"its run.json ({run_file})"}


def _card_record(card: dict, where: str) -> dict:
    builder = card.get("builder") or {}
    return {"model": builder.get("name"),
            "arguments": {key: value for key, value in (builder.get("arguments") or {}).items()
                          if key not in _NOT_COMPARED},
            "retrofit": None, "where": where}


def resolve_init(init_from: str) -> InitSource:
    """Checks `init_from` and reads its record, loading no model; one-line `ValueError` otherwise.

    Args:
        init_from: a zoo preset name (`blur_keras.zoo.names()`), a preset
            directory, a `.keras` file, or a finished training run's directory.

    Returns:
        The `InitSource`.
    """
    from blur_keras import zoo
    from blur_keras.zoo.files import CARD_FILE
    if not isinstance(init_from, str) or not init_from:
        raise ValueError(f"init_from must be a zoo preset name, a .keras file or a training run "
                         f"directory; got {init_from!r}.")
    path = os.path.abspath(os.path.expanduser(init_from))
    if init_from.endswith(".keras"):
        if not os.path.isfile(path):
            raise ValueError(f"init_from: file not found: {init_from}")
        run_file = os.path.join(os.path.dirname(path), "run.json")
        record = _run_record(run_file) if os.path.basename(path) == "model.keras" \
            and os.path.isfile(run_file) else None
        return InitSource(KERAS_FILE, path, record)
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "run.json")):
            if not os.path.isfile(os.path.join(path, "model.keras")):
                raise ValueError(f"init_from {init_from}: the training run there has not "
                                 f"finished (no model.keras yet).")
            return InitSource(RUN_DIRECTORY, path, _run_record(os.path.join(path, "run.json")))
        if os.path.isfile(os.path.join(path, CARD_FILE)):
            return InitSource(PRESET_DIRECTORY, path,
                              _card_record(zoo.card(path), f"its card ({path})"))
        raise _unknown(init_from)
    presets = zoo.names()
    if init_from in presets:
        return InitSource(PRESET, init_from, _card_record(zoo.card(init_from), "its card"))
    raise _unknown(init_from, presets)


def check_architecture(source: InitSource, model: str, model_args: dict | None,
                       dataset: str) -> dict:
    """The run's `model_args`, checked against what the source records (taken from it if None).

    Args:
        source: the resolved `init_from`.
        model, model_args, dataset: the run's.

    Returns:
        The builder arguments of the run (`model_args` or, when None, the
        record's, without the dataset protocol's), as JSON values.

    Raises:
        ValueError: the source records another architecture, or was retrofitted.
    """
    record = source.record
    if record is None:
        return _json(model_args or {})
    if record["retrofit"] is not None:
        raise ValueError(
            f"init_from {source.location} was retrofitted (retrofit "
            f"{json.dumps(record['retrofit'])}; {record['where']}): its network is no registry "
            f"model, so a run cannot start from it; start from the model it was retrofitted from.")
    if model_args is None and record["model"] == model:
        protocol_only = _builder_arguments(model, {}, dataset)
        model_args = {key: value for key, value in record["arguments"].items()
                      if protocol_only.get(key, object()) != value}
    model_args = _json(model_args or {})
    if record["model"] != model or _builder_arguments(model, model_args, dataset) \
            != record["arguments"]:
        protocol_only = _builder_arguments(record["model"], {}, dataset) \
            if record["model"] in models.names() else {}
        own = {key: value for key, value in record["arguments"].items()
               if protocol_only.get(key, object()) != value}
        raise ValueError(
            f"init_from {source.location} holds {record['model']} with builder arguments "
            f"{json.dumps(record['arguments'])} ({record['where']}); this run names {model} with "
            f"{json.dumps(_builder_arguments(model, model_args, dataset))} for {dataset}. Pass "
            f"--model={record['model']} and --model_args='{json.dumps(own)}' (or leave "
            f"--model_args out to take the source's), with the dataset it was built for.")
    return model_args


def load_source(source: InitSource) -> keras.Model:
    """The source's network, uncompiled, taking standardised images (no preprocessing layer)."""
    if source.kind in (PRESET, PRESET_DIRECTORY):
        from blur_keras import zoo
        return zoo.load(source.location, include_preprocessing=False, compile=False)
    import blur_keras.layers  # noqa: F401  (registers the layers for safe-mode loading)
    return keras.saving.load_model(source.keras_file, safe_mode=True, compile=False)


def source_digest(source: InitSource) -> str:
    """The SHA-256 of the file that holds the source's weights (a changed file, another init)."""
    if source.kind == PRESET:
        from blur_keras.zoo.files import WEIGHTS_FILE, locate
        return locate(source.location)[1]["files"][WEIGHTS_FILE]["sha256"]
    if source.kind == PRESET_DIRECTORY:
        from blur_keras.zoo.files import WEIGHTS_FILE
        return sha256(os.path.join(source.location, WEIGHTS_FILE))
    return sha256(source.keras_file)
